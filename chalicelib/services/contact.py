"""The debtor's own choices about contact; for now, one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import NotFound
from chalicelib.domain.links import UNSUBSCRIBE


class ContactService:
    def __init__(self, accounts: Any, links: Any, clock: Any) -> None:
        self._accounts = accounts
        self._links = links
        self._clock = clock

    def unsubscribe(self, token: str) -> None:
        """Stop reminder emails for the account the signed link names. Idempotent."""
        now = self._clock.now()
        claims = self._links.read(token, UNSUBSCRIBE, now)
        account = self._accounts.get(claims.tenant_id, claims.account_id)
        if account is None:
            raise NotFound("this link no longer points to an account")
        if account.email_suppressed == "unsubscribed":
            return
        account.email_suppressed = "unsubscribed"
        account.updated_at = now
        account.record(now, "email_unsubscribed", "debtor:one-click", {"channel": "email"})
        self._accounts.save(account)
