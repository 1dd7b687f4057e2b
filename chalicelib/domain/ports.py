"""What the use cases need from the outside world. Adapters implement these."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol

from .accounts import Account
from .audit import StoredEvent
from .links import LinkClaims, ShortLink
from .messages import MessageContext, RenderedMessage
from .payments import PaymentEvent
from .policies import Policy
from .tenants import ApiKey, Tenant


class OutboxEntry(Protocol):
    message_id: str
    status: str


class AccountRepository(Protocol):
    def get(self, tenant_id: str, account_id: str) -> Account | None: ...

    def save(self, account: Account) -> None:
        """Write the account and its pending audit events atomically; Conflict if it changed meanwhile."""

    def due(self, at: datetime, shard: int) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
        """(tenant_id, account_id, snapshot) of accounts whose next action is at or before `at`, from the
        due index; the snapshot (or None) lets the worker skip its own read."""

    def due_of_tenant(self, tenant_id: str, at: datetime) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
        """The same for one tenant, reading none of the others'."""

    def from_snapshot(self, snapshot: dict[str, Any]) -> Account: ...

    def all_of(self, tenant_id: str) -> Iterator[Account]:
        """Every account of the tenant (reports only)."""

    def events(self, tenant_id: str, account_id: str) -> list[StoredEvent]: ...

    def account_for_ref(self, ref_key: str) -> tuple[str, str] | None:
        """(tenant_id, account_id) that a processor's customer or invoice id points at."""

    def add_refs(self, account: Account, ref_keys: set[str]) -> None:
        """Point these processor refs at the account (before saving it)."""

    def claim_message(self, account: Account, message: dict[str, Any], short_link: ShortLink | None = None) -> bool:
        """Save the account and create the outbox entry (and the short link it carries) in one transaction;
        False if the entry already exists (unless its last try was handed back for retry: each claim is a try)."""

    def message_status(self, tenant_id: str, account_id: str, message_id: str) -> str | None: ...

    def message_attempts(self, tenant_id: str, account_id: str, message_id: str) -> int:
        """How many times the outbox entry was claimed for sending (0 when there is none)."""

    def finish_message(self, account: Account, message_id: str, status: str, details: dict[str, Any]) -> None:
        """Mark the outbox entry and save the account with its audit events, in one transaction."""


class ParkedPayments(Protocol):
    """Verified payment events whose account is not known yet, each kept under every key that may name it."""

    def park(self, tenant_id: str, keys: list[str], event: PaymentEvent, until: datetime) -> None: ...

    def waiting(self, tenant_id: str, key: str) -> list[PaymentEvent]:
        """The tenant's events parked under this key."""

    def release(self, keys: list[str], event: PaymentEvent) -> None: ...


class PolicyRepository(Protocol):
    def latest(self, tenant_id: str, name: str) -> Policy | None: ...

    def add_version(self, tenant_id: str, policy: Policy, now: datetime) -> Policy: ...


class TenantRepository(Protocol):
    def get(self, tenant_id: str) -> Tenant | None: ...

    def add(self, tenant: Tenant, key: ApiKey) -> None: ...

    def key_by_hash(self, key_hash: str) -> ApiKey | None: ...


class EmailSender(Protocol):
    def send(
        self, *, sender: str, sender_name: str, recipient: str, message: RenderedMessage, tags: dict[str, str]
    ) -> str: ...

    def verify_sender(self, address: str) -> None: ...


class SmsSender(Protocol):
    def send(self, *, phone: str, text: str, sender_id: str | None, tags: dict[str, str]) -> str: ...


class Renderer(Protocol):
    def render(self, ctx: MessageContext) -> RenderedMessage: ...


class WorkQueue(Protocol):
    def send_batch(self, bodies: Iterable[dict[str, Any]]) -> int: ...


class WebhookSecrets(Protocol):
    def put(self, tenant_id: str, provider: str, secret: str) -> None: ...

    def get(self, tenant_id: str, provider: str) -> str | None: ...


class FinanceNotifier(Protocol):
    def publish(self, tenant_id: str, event: dict[str, Any]) -> None: ...


# --- what one use case offers the others (the container wires the service that implements each) ---------------

class Clock(Protocol):
    def now(self) -> datetime: ...


class PolicyBook(Protocol):
    """The policies in force (services.policies.PolicyService)."""

    def exists(self, tenant_id: str, name: str) -> bool: ...

    def get(self, tenant_id: str, name: str) -> Policy:
        """The latest version, or a built-in policy; NotFound naming `name` if there is neither."""

    def resolve(self, tenant_id: str, name: str) -> Policy: ...


class TenantLookup(Protocol):
    """A tenant by id (services.tenants.TenantService)."""

    def get(self, tenant_id: str) -> Tenant | None: ...


class Links(Protocol):
    """Signed, expiring links to the debtor's page and to unsubscribe (services.links.LinkService)."""

    def read(self, token: str, purpose: str, now: datetime) -> LinkClaims: ...

    def portal_url(self, tenant_id: str, account_id: str, now: datetime) -> str: ...

    def unsubscribe_url(self, tenant_id: str, account_id: str, now: datetime) -> str: ...

    def short_portal_link(self, tenant_id: str, account_id: str, now: datetime) -> tuple[str, ShortLink]:
        """A short link for SMS; the caller stores the ShortLink with the message it rides in."""
