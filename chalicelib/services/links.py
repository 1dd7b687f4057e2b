"""Signed self-service and unsubscribe links, keyed by a secret held outside the code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from chalicelib.domain.links import PORTAL, UNSUBSCRIBE, LinkClaims, read_link, sign_link

# An unsubscribe link must keep working long after the email that carried it (RFC 8058 asks for it).
UNSUBSCRIBE_TTL = timedelta(days=400)


class LinkService:
    def __init__(self, secret: Callable[[], bytes], base_url: str, portal_ttl_days: int) -> None:
        self._secret = secret
        self._base_url = base_url
        self._portal_ttl = timedelta(days=portal_ttl_days)

    def portal_url(self, tenant_id: str, account_id: str, now: datetime) -> str:
        token = sign_link(self._secret(), tenant_id, account_id, PORTAL, now, self._portal_ttl)
        return f"{self._base_url}/p/{token}"

    def unsubscribe_url(self, tenant_id: str, account_id: str, now: datetime) -> str:
        token = sign_link(self._secret(), tenant_id, account_id, UNSUBSCRIBE, now, UNSUBSCRIBE_TTL)
        return f"{self._base_url}/u/{token}"

    def read(self, token: str, purpose: str, now: datetime) -> LinkClaims:
        return read_link(self._secret(), token, purpose, now)
