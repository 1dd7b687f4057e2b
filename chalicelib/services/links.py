"""Signed self-service and unsubscribe links, keyed by a secret held outside the code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chalicelib.domain.errors import NotFound
from chalicelib.domain.links import (
    PORTAL,
    UNSUBSCRIBE,
    LinkClaims,
    ShortLink,
    is_short_code,
    new_short_code,
    read_link,
    sign_link,
)

if TYPE_CHECKING:  # annotations only: the queue worker never loads every port
    from chalicelib.domain.ports import ShortLinks

# An unsubscribe link must keep working long after the email that carried it (RFC 8058 asks for it).
UNSUBSCRIBE_TTL = timedelta(days=400)


class LinkService:
    def __init__(self, secret: Callable[[], bytes], base_url: str, portal_ttl_days: int,
                 short_links: ShortLinks | None = None) -> None:
        self._secret = secret
        self._base_url = base_url
        self._portal_ttl = timedelta(days=portal_ttl_days)
        self._short_links = short_links

    def short_portal_link(self, tenant_id: str, account_id: str, now: datetime) -> tuple[str, ShortLink]:
        """A short self-service link for SMS; the caller stores the ShortLink with the message it rides in."""
        link = ShortLink(new_short_code(), tenant_id, account_id, PORTAL, now + self._portal_ttl)
        return f"{self._base_url}/s/{link.code}", link

    def expand(self, code: str, now: datetime) -> str:
        """The signed portal link a short code stands for (expiring when the code does)."""
        link = self._short_links.get(code) if self._short_links and is_short_code(code) else None
        if link is None or link.expires <= now:
            raise NotFound("this link has expired or does not exist")
        token = sign_link(self._secret(), link.tenant_id, link.account_id, link.purpose, now, link.expires - now)
        return f"{self._base_url}/p/{token}"

    def portal_url(self, tenant_id: str, account_id: str, now: datetime) -> str:
        token = sign_link(self._secret(), tenant_id, account_id, PORTAL, now, self._portal_ttl)
        return f"{self._base_url}/p/{token}"

    def unsubscribe_url(self, tenant_id: str, account_id: str, now: datetime) -> str:
        token = sign_link(self._secret(), tenant_id, account_id, UNSUBSCRIBE, now, UNSUBSCRIBE_TTL)
        return f"{self._base_url}/u/{token}"

    def read(self, token: str, purpose: str, now: datetime) -> LinkClaims:
        return read_link(self._secret(), token, purpose, now)
