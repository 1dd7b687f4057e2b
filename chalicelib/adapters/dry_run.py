"""Stand-ins for `kindly sweep --dry-run`: the real reads, the real decisions, no writes and no sends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from chalicelib.domain.accounts import Account
from chalicelib.domain.audit import StoredEvent
from chalicelib.domain.links import ShortLink
from chalicelib.domain.messages import RenderedMessage
from chalicelib.domain.payments import Payment
from chalicelib.domain.ports import AccountRepository, DueEntry, SweepLedger
from chalicelib.domain.sweep_holds import SweepHold, SweepLimits

DRY_RUN_ID = "dry-run"


class ReadOnlyAccounts:
    """An AccountRepository whose reads go to the real one and whose writes only forget the pending events."""

    def __init__(self, inner: AccountRepository) -> None:
        self._inner = inner

    # --- reads pass through ----------------------------------------------------------------------
    def get(self, tenant_id: str, account_id: str) -> Account | None:
        return self._inner.get(tenant_id, account_id)

    def events(self, tenant_id: str, account_id: str) -> list[StoredEvent]:
        return self._inner.events(tenant_id, account_id)

    def payment_line(self, tenant_id: str, account_id: str, key: tuple[str, str, str]) -> Payment | None:
        return self._inner.payment_line(tenant_id, account_id, key)

    def recent_payments(self, tenant_id: str, account_id: str, limit: int) -> list[Payment]:
        return self._inner.recent_payments(tenant_id, account_id, limit)

    def account_ids(self, tenant_id: str) -> Iterator[str]:
        return self._inner.account_ids(tenant_id)

    def message_status(self, tenant_id: str, account_id: str, message_id: str) -> str | None:
        return self._inner.message_status(tenant_id, account_id, message_id)

    def message_attempts(self, tenant_id: str, account_id: str, message_id: str) -> int:
        return self._inner.message_attempts(tenant_id, account_id, message_id)

    def provider_message_ids(self, tenant_id: str) -> set[str]:
        return self._inner.provider_message_ids(tenant_id)

    def due(self, at: datetime, shard: int) -> Iterator[DueEntry]:
        return self._inner.due(at, shard)

    def due_of_tenant(self, tenant_id: str, at: datetime) -> Iterator[DueEntry]:
        return self._inner.due_of_tenant(tenant_id, at)

    def from_snapshot(self, snapshot: dict[str, Any]) -> Account:
        return self._inner.from_snapshot(snapshot)

    def place_in_snapshot(self, snapshot: dict[str, Any]) -> tuple[str | None, str | None]:
        return self._inner.place_in_snapshot(snapshot)

    def all_of(self, tenant_id: str) -> Iterator[Account]:
        return self._inner.all_of(tenant_id)

    def account_for_ref(self, ref_key: str) -> tuple[str, str] | None:
        return self._inner.account_for_ref(ref_key)

    def sent_as(self, tenant_id: str, account_id: str, provider_message_id: str) -> bool:
        return self._inner.sent_as(tenant_id, account_id, provider_message_id)

    def with_phone(self, phone: str) -> list[Account]:
        return self._inner.with_phone(phone)

    # --- writes change nothing ---------------------------------------------------------------------
    def save(self, account: Account) -> None:
        account.pending_events.clear()

    def add_refs(self, account: Account, ref_keys: set[str]) -> None:
        return None

    def note_engagement(self, account: Account, message_id: str, what: str, at: datetime) -> bool:
        account.pending_events.clear()
        return True

    def claim_message(self, account: Account, message: dict[str, Any], short_link: ShortLink | None = None) -> bool:
        return self._inner.message_status(account.tenant_id, account.account_id, message["message_id"]) is None

    def finish_message(self, account: Account, message_id: str, status: str, details: dict[str, Any]) -> None:
        account.pending_events.clear()


class NullEmail:
    def send(self, *, sender: str, sender_name: str, recipient: str, message: RenderedMessage,
             tags: dict[str, str], reply_to: str | None = None) -> str:
        return DRY_RUN_ID

    def verify_sender(self, address: str) -> None:
        return None


class NullSms:
    def send(self, *, phone: str, text: str, sender_id: str | None, tags: dict[str, str]) -> str:
        return DRY_RUN_ID

    def opt_in(self, phone: str) -> None:
        return None


class NullNotifier:
    def publish(self, tenant_id: str, event: dict[str, Any]) -> None:
        return None


class ReadOnlySweepLedger:
    """The breaker's counts, limits and holds as they are; a dry run records no send, hold or approval."""

    def __init__(self, inner: SweepLedger) -> None:
        self._inner = inner

    def sent_counts(self, tenant_id: str, first: date, last: date) -> dict[date, int]:
        return self._inner.sent_counts(tenant_id, first, last)

    def limits(self, tenant_id: str) -> SweepLimits | None:
        return self._inner.limits(tenant_id)

    def holds(self, tenant_id: str, limit: int = 20) -> list[SweepHold]:
        return self._inner.holds(tenant_id, limit)

    def count_sent(self, tenant_id: str, day: date, messages: int = 1) -> None:
        return None

    def set_limits(self, tenant_id: str, limits: SweepLimits) -> None:
        return None

    def save_hold(self, hold: SweepHold, expected_status: str | None) -> bool:
        return True
