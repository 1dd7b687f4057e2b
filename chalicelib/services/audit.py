"""Reading and checking an account's audit trail."""

from __future__ import annotations

from chalicelib.domain.accounts import Account, found_account
from chalicelib.domain.audit import StoredEvent, VerifyResult, verify_chain
from chalicelib.domain.ports import AuditTrail


class AuditService:
    def __init__(self, accounts: AuditTrail) -> None:
        self._accounts = accounts

    def timeline(self, tenant_id: str, account_id: str) -> list[StoredEvent]:
        """Every stored event, in seq order; one that no longer reads is an UnreadableEvent in its place."""
        self._require(tenant_id, account_id)
        return sorted(self._accounts.events(tenant_id, account_id), key=lambda event: event.seq)

    def verify(self, tenant_id: str, account_id: str) -> VerifyResult:
        account = self._require(tenant_id, account_id)
        return verify_chain(tenant_id, account_id, self._accounts.events(tenant_id, account_id), account.audit_head)

    def _require(self, tenant_id: str, account_id: str) -> Account:
        return found_account(self._accounts.get(tenant_id, account_id), account_id)
