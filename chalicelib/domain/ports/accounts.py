"""Accounts as stored: the account repository (its audit trail, outbox and ledger lines), and the payment events
that wait for an account not known yet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a use case loads the domain modules it works with, not every port's
    from ..accounts import Account
    from ..audit import StoredEvent
    from ..links import ShortLink
    from ..payments import Payment, PaymentEvent

DueEntry = tuple[str, str, dict[str, Any] | None]  # (tenant_id, account_id, snapshot or None)


class AuditTrail(Protocol):
    """Reading accounts and their stored audit events (audit reports, `kindly audit verify`)."""

    def get(self, tenant_id: str, account_id: str) -> Account | None: ...

    def events(self, tenant_id: str, account_id: str) -> list[StoredEvent]: ...

    def account_ids(self, tenant_id: str) -> Iterator[str]:
        """Every account id of the tenant (reports only)."""


class OutboxReader(Protocol):
    """What the outbox holds about messages already claimed."""

    def message_status(self, tenant_id: str, account_id: str, message_id: str) -> str | None: ...

    def message_attempts(self, tenant_id: str, account_id: str, message_id: str) -> int:
        """How many times the outbox entry was claimed for sending (0 when there is none)."""

    def provider_message_ids(self, tenant_id: str) -> set[str]:
        """The ids SES and SNS gave the tenant's messages (`kindly outbox`; not a hot path)."""

    def sent_as(self, tenant_id: str, account_id: str, provider_message_id: str) -> bool:
        """Whether one of the account's messages went out under this provider id (an SMS reply names the one it
        answers)."""


class PaymentLines(Protocol):
    """The payments collection: every line of an account's ledger, written with the account (save)."""

    def payment_line(self, tenant_id: str, account_id: str, key: tuple[str, str, str]) -> Payment | None:
        """The line for (provider, payment_ref, kind), if the collection holds it."""

    def recent_payments(self, tenant_id: str, account_id: str, limit: int) -> list[Payment]:
        """The account's latest `limit` lines by time, oldest first."""


class AccountRepository(AuditTrail, OutboxReader, PaymentLines, Protocol):
    def save(self, account: Account) -> None:
        """Write the account, its pending audit events and its unsaved ledger lines atomically; Conflict if it
        changed meanwhile (field "payment_line" when a line believed new is already in the collection)."""

    def due(self, at: datetime, shard: int) -> Iterator[DueEntry]:
        """(tenant_id, account_id, snapshot) of accounts whose next action is at or before `at`, from the
        due index; the snapshot (or None) lets the worker skip its own read."""

    def due_of_tenant(self, tenant_id: str, at: datetime) -> Iterator[DueEntry]:
        """The same for one tenant, reading none of the others'."""

    def from_snapshot(self, snapshot: dict[str, Any]) -> Account: ...

    def place_in_snapshot(self, snapshot: dict[str, Any]) -> tuple[str | None, str | None]:
        """The debtor's (country, region) as a snapshot carries them, read without building the account."""

    def all_of(self, tenant_id: str) -> Iterator[Account]:
        """Every account of the tenant, in account id order (reports and the figures' rebuild only)."""

    def account_for_ref(self, ref_key: str) -> tuple[str, str] | None:
        """(tenant_id, account_id) that a processor's customer or invoice id points at."""

    def with_phone(self, phone: str) -> list[Account]:
        """Every account whose number is `phone` (E.164), in every tenant, oldest key first."""

    def add_refs(self, account: Account, ref_keys: set[str]) -> None:
        """Point these processor refs at the account (before saving it)."""

    def claim_message(self, account: Account, message: dict[str, Any], short_link: ShortLink | None = None) -> bool:
        """Save the account and create the outbox entry (and the short link it carries) in one transaction;
        False if the entry already exists (unless its last try was handed back for retry: each claim is a try)."""

    def finish_message(self, account: Account, message_id: str, status: str, details: dict[str, Any]) -> None:
        """Mark the outbox entry and save the account with its audit events, in one transaction."""

    def note_engagement(self, account: Account, message_id: str, what: str, at: datetime) -> bool:
        """The first time a message was delivered / opened / clicked: note `at` on its outbox entry and save the
        account with its audit events, in one transaction; False (nothing written) if there is no such entry or
        it already has that moment. Conflict if the account changed meanwhile."""


class ParkedPayments(Protocol):
    """Verified payment events whose account is not known yet, each kept under every key that may name it."""

    def park(self, tenant_id: str, keys: list[str], event: PaymentEvent, until: datetime) -> None: ...

    def waiting(self, tenant_id: str, key: str) -> list[PaymentEvent]:
        """The tenant's events parked under this key."""

    def release(self, keys: list[str], event: PaymentEvent) -> None: ...
