"""In-memory stand-ins for the ports a payment needs, so unit tests run the real services without sockets.

They keep what the DynamoDB repositories keep (accounts by key, processor refs, the audit events written with
each save) and hand out copies, as a read from a table would."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from chalicelib.domain.accounts import Account
from chalicelib.domain.audit import AuditEvent
from chalicelib.domain.payments import PaymentEvent, parked_key
from chalicelib.domain.policies import BUILT_IN, Policy


class MemoryAccounts:
    def __init__(self) -> None:
        self.accounts: dict[tuple[str, str], Account] = {}
        self.refs: dict[str, tuple[str, str]] = {}
        self.audit: list[AuditEvent] = []

    def get(self, tenant_id: str, account_id: str) -> Account | None:
        found = self.accounts.get((tenant_id, account_id))
        return copy.deepcopy(found)

    def save(self, account: Account) -> None:
        self.audit.extend(account.pending_events)
        account.pending_events.clear()
        self.accounts[(account.tenant_id, account.account_id)] = copy.deepcopy(account)

    def account_for_ref(self, ref_key: str) -> tuple[str, str] | None:
        return self.refs.get(ref_key)

    def add_refs(self, account: Account, ref_keys: set[str]) -> None:
        for key in ref_keys:
            self.refs[key] = (account.tenant_id, account.account_id)

    def put(self, account: Account) -> None:
        """Store an account as intake would: its refs first, then the account."""
        self.add_refs(account, account.processor_ref_keys())
        self.save(account)


class MemoryParking:
    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[str, PaymentEvent]] = {}

    def park(self, tenant_id: str, keys: list[str], event: PaymentEvent, until: datetime) -> None:
        for key in keys:
            self.items[(key, parked_key(event))] = (tenant_id, event)

    def waiting(self, tenant_id: str, key: str) -> list[PaymentEvent]:
        return [event for (k, _), (tenant, event) in self.items.items() if k == key and tenant == tenant_id]

    def release(self, keys: list[str], event: PaymentEvent) -> None:
        for key in keys:
            self.items.pop((key, parked_key(event)), None)


class BuiltInPolicies:
    def resolve(self, tenant_id: str, name: str) -> Policy:
        return BUILT_IN[name]


class Secrets:
    def __init__(self, secrets: dict[str, str]) -> None:
        self._secrets = secrets

    def get(self, tenant_id: str, provider: str) -> str | None:
        return self._secrets.get(provider)


class FinanceInbox:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, tenant_id: str, event: dict[str, Any]) -> None:
        self.published.append(event)
