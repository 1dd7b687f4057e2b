"""One-click unsubscribe (RFC 8058) from the signed link in every email."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.accounts import Account
from chalicelib.domain.links import UNSUBSCRIBE, linked_account
from chalicelib.domain.ports import AccountRepository, Clock, Links


class UnsubscribeService:
    def __init__(self, accounts: AccountRepository, links: Links, clock: Clock) -> None:
        self._accounts = accounts
        self._links = links
        self._clock = clock

    def unsubscribe_locale(self, token: str) -> str:
        """Check an unsubscribe link without acting on it; the locale its page is shown in."""
        return self._account(token, self._clock.now()).message_locale

    def unsubscribe(self, token: str) -> str:
        """Stop reminder emails for the account the signed link names. Idempotent. Returns its locale."""
        now = self._clock.now()
        account = self._account(token, now)
        if account.email_suppressed == "unsubscribed":
            return account.message_locale
        account.email_suppressed = "unsubscribed"
        account.updated_at = now
        account.record(now, "email_unsubscribed", "debtor:one-click", {"channel": "email"})
        self._accounts.save(account)
        return account.message_locale

    def _account(self, token: str, now: datetime) -> Account:
        return linked_account(self._links.read(token, UNSUBSCRIBE, now), self._accounts.get)
