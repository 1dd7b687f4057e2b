"""Links in messages: short links for SMS, the key that signs links, and the signed links to the debtor's page."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: a use case loads the domain modules it works with, not every port's
    from ..links import LinkClaims, ShortLink


class ShortLinks(Protocol):
    def get(self, code: str) -> ShortLink | None:
        """The short link stored under `code` (written with the message that carries it), if any."""


class LinkSecret(Protocol):
    def value(self) -> bytes:
        """The key that signs self-service and unsubscribe links."""

    def ensure(self) -> bool:
        """Create the secret if it is missing (`kindly init`); True if created."""


# --- what one use case offers the others (the container wires the service that implements each) ---------------

class Links(Protocol):
    """Signed, expiring links to the debtor's page and to unsubscribe (services.links.LinkService)."""

    def read(self, token: str, purpose: str, now: datetime) -> LinkClaims: ...

    def portal_url(self, tenant_id: str, account_id: str, now: datetime) -> str: ...

    def unsubscribe_url(self, tenant_id: str, account_id: str, now: datetime) -> str: ...

    def short_portal_link(self, tenant_id: str, account_id: str, now: datetime) -> tuple[str, ShortLink]:
        """A short link for SMS; the caller stores the ShortLink with the message it rides in."""
