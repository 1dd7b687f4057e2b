"""In-memory repositories that behave as the DynamoDB ones in chalicelib/adapters/dynamodb/repositories.py do.

What they keep faithfully (tests/aws/test_fakes_match_adapters.py runs the same assertions on both):
- every read hands out a copy, as a read from a table would; a write stores a copy;
- an account's `version` is an optimistic lock: a save of a stale (or a new, unversioned) account over a
  stored one raises Conflict("account") and writes nothing; a successful one bumps the version on the
  caller's account and moves its pending audit events into the trail;
- the outbox claim is one transaction with the account: a second claim of the same message id is refused
  (False, nothing written) unless its last try was handed back for retry; each claim counts a try;
- finishing a message that is not pending is Conflict("message") and writes nothing;
- the due indexes hold only accounts with a next action, keyed by shard (or tenant) and second-precision time.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.adapters.dynamodb.mapping import due_key, shard_of
from chalicelib.domain.accounts import Account
from chalicelib.domain.audit import AuditEvent, StoredEvent
from chalicelib.domain.counted import WRITES, Counted, Move, lands_on
from chalicelib.domain.errors import Conflict
from chalicelib.domain.figures import TOTAL_ITEM
from chalicelib.domain.links import ShortLink
from chalicelib.domain.messages import PENDING, RETRY
from chalicelib.domain.payments import Payment, PaymentEvent, parked_key
from chalicelib.domain.policies import Policy
from chalicelib.domain.sms_replies import DebtorReply
from chalicelib.domain.sweep_holds import SweepHold, SweepLimits
from chalicelib.domain.tenants import ApiKey, Tenant
from chalicelib.domain.times import iso

SNAPSHOT_KEY = "fake_snapshot"  # a fake's snapshot is a JSON-able ticket, so it can ride in a queue body too


@dataclass
class OutboxEntry:
    """One message in the outbox, as the messages table keeps it."""

    message_id: str
    status: str
    attempts: int
    created_at: str
    fields: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] | None = None
    provider_message_id: str | None = None
    engagement: dict[str, str] = field(default_factory=dict)  # delivered / opened / clicked -> first time


class FakeShortLinks:
    """The links table: short codes written with the SMS that carries them (ports: short links)."""

    def __init__(self) -> None:
        self.links: dict[str, ShortLink] = {}

    def get(self, code: str) -> ShortLink | None:
        return self.links.get(code)


class FakeAccounts:
    """ports.AccountRepository, with the messages (outbox), audit, processor refs and links tables beside it."""

    def __init__(self, shards: int = 4, short_links: FakeShortLinks | None = None) -> None:
        self.shards = shards
        self.short_links = short_links if short_links is not None else FakeShortLinks()
        self.items: dict[tuple[str, str], Account] = {}
        self.trails: dict[tuple[str, str], dict[int, StoredEvent]] = {}
        self.outbox: dict[tuple[str, str, str], OutboxEntry] = {}
        self.refs: dict[str, tuple[str, str]] = {}
        self.lines: dict[tuple[str, str], dict[tuple[str, str, str], Payment]] = {}  # the payments collection
        self.writes = 0  # successful account writes, to tell a repeat that wrote nothing
        self._snapshots: dict[str, Account] = {}
        self._tickets = itertools.count(1)
        self._interference: list[Callable[[], None]] = []
        # What DynamoDB's stream would carry: (old image, new image) of every account write, in order.
        self.stream: list[tuple[Account | None, Account]] = []

    def before_next_write(self, change: Callable[[], None]) -> None:
        """Run `change` just before the next write (save, claim, finish) is checked: another worker or request
        that got there first, so the use case under test meets a Conflict it must retry or refuse."""
        self._interference.append(change)

    def _interfere(self) -> None:
        while self._interference:
            self._interference.pop(0)()

    # --- reads -------------------------------------------------------------------------------
    def get(self, tenant_id: str, account_id: str) -> Account | None:
        return copy.deepcopy(self.items.get((tenant_id, account_id)))

    def due(self, at: datetime, shard: int) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
        keys = [key for key, account in self.items.items()
                if account.next_action_at is not None and shard_of(*key, self.shards) == shard]
        return self._with_snapshots(self._due_order(keys, at))

    def due_of_tenant(self, tenant_id: str, at: datetime) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
        keys = [key for key, account in self.items.items()
                if account.next_action_at is not None and key[0] == tenant_id]
        return self._with_snapshots(self._due_order(keys, at))

    def _due_order(self, keys: list[tuple[str, str]], at: datetime) -> list[tuple[str, str]]:
        limit = due_key(at)
        timed = []
        for key in keys:
            due = self.items[key].next_action_at
            if due is not None and due_key(due) <= limit:  # the index keeps whole seconds, as text
                timed.append((due_key(due), key))
        return [key for _, key in sorted(timed)]

    def _with_snapshots(self, keys: list[tuple[str, str]]) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
        # Like the real one, the keys are read from the index first and the items afterwards.
        for tenant_id, account_id in keys:
            current = self.items.get((tenant_id, account_id))
            snapshot = None
            if current is not None:
                ticket = str(next(self._tickets))
                self._snapshots[ticket] = copy.deepcopy(current)
                snapshot = {SNAPSHOT_KEY: ticket}
            yield tenant_id, account_id, snapshot

    def from_snapshot(self, snapshot: dict[str, Any]) -> Account:
        return copy.deepcopy(self._snapshots[snapshot[SNAPSHOT_KEY]])

    def place_in_snapshot(self, snapshot: dict[str, Any]) -> tuple[str | None, str | None]:
        account = self._snapshots[snapshot[SNAPSHOT_KEY]]
        return account.country, account.region

    def all_of(self, tenant_id: str) -> Iterator[Account]:
        for key in sorted(k for k in self.items if k[0] == tenant_id):
            yield copy.deepcopy(self.items[key])

    def account_ids(self, tenant_id: str) -> Iterator[str]:
        for account in self.all_of(tenant_id):
            yield account.account_id

    def events(self, tenant_id: str, account_id: str) -> list[StoredEvent]:
        trail = self.trails.get((tenant_id, account_id), {})
        return [copy.deepcopy(trail[seq]) for seq in sorted(trail)]

    def message_status(self, tenant_id: str, account_id: str, message_id: str) -> str | None:
        entry = self.outbox.get((tenant_id, account_id, message_id))
        return entry.status if entry else None

    def message_attempts(self, tenant_id: str, account_id: str, message_id: str) -> int:
        entry = self.outbox.get((tenant_id, account_id, message_id))
        return entry.attempts if entry else 0

    def provider_message_ids(self, tenant_id: str) -> set[str]:
        return {entry.provider_message_id for (tenant, _, _), entry in self.outbox.items()
                if tenant == tenant_id and entry.provider_message_id}

    def account_for_ref(self, ref_key: str) -> tuple[str, str] | None:
        return self.refs.get(ref_key)

    def payment_line(self, tenant_id: str, account_id: str, key: tuple[str, str, str]) -> Payment | None:
        return self.lines.get((tenant_id, account_id), {}).get(key)

    def recent_payments(self, tenant_id: str, account_id: str, limit: int) -> list[Payment]:
        stored = sorted(self.lines.get((tenant_id, account_id), {}).values(), key=lambda p: (iso(p.at), p.key))
        return stored[-limit:] if limit > 0 else []

    def sent_as(self, tenant_id: str, account_id: str, provider_message_id: str) -> bool:
        return any(entry.provider_message_id == provider_message_id for (tenant, account, _), entry
                   in self.outbox.items() if (tenant, account) == (tenant_id, account_id))

    def with_phone(self, phone: str) -> list[Account]:
        return [copy.deepcopy(self.items[key]) for key in sorted(self.items) if self.items[key].phone == phone]

    # --- writes ------------------------------------------------------------------------------
    def save(self, account: Account) -> None:
        self._interfere()
        self._transact(account)

    def add_refs(self, account: Account, ref_keys: set[str]) -> None:
        for key in ref_keys:
            self.refs[key] = (account.tenant_id, account.account_id)

    def note_engagement(self, account: Account, message_id: str, what: str, at: datetime) -> bool:
        self._interfere()
        self._check_version(account)
        entry = self.outbox.get((account.tenant_id, account.account_id, message_id))
        if entry is None or what in entry.engagement:
            return False  # the real transaction is cancelled: the account is not written either
        self._transact(account)
        entry.engagement[what] = iso(at)
        return True

    def claim_message(self, account: Account, message: dict[str, Any], short_link: ShortLink | None = None) -> bool:
        key = (account.tenant_id, account.account_id, message["message_id"])
        self._interfere()
        self._check_version(account)
        existing = self.outbox.get(key)
        if existing is not None and existing.status != RETRY:
            return False  # the real transaction is cancelled: the account is not written either
        self._check_trail(account)
        if short_link is not None and short_link.code in self.short_links.links:
            raise Conflict("the audit trail moved on meanwhile; try again", "audit")  # as the real one reports it
        fields = {k: v for k, v in message.items() if k not in ("message_id", "created_at")}
        self._transact(account)
        if existing is None:
            self.outbox[key] = OutboxEntry(message["message_id"], fields["status"], 1, message["created_at"],
                                           copy.deepcopy(fields))
        else:  # a retry's claim keeps the first try's time and counts the tries
            existing.status = fields["status"]
            existing.attempts += 1
            existing.fields.update(copy.deepcopy(fields))
            existing.detail = None
        if short_link is not None:
            self.short_links.links[short_link.code] = short_link
        return True

    def finish_message(self, account: Account, message_id: str, status: str, details: dict[str, Any]) -> None:
        self._interfere()
        entry = self.outbox.get((account.tenant_id, account.account_id, message_id))
        self._check_version(account)
        if entry is None or entry.status != PENDING:
            raise Conflict("the message was already recorded", "message")
        self._transact(account)
        entry.status = status
        entry.detail = copy.deepcopy(details)
        if details.get("provider_message_id"):
            entry.provider_message_id = details["provider_message_id"]

    # --- the one transaction -----------------------------------------------------------------------
    def _check_version(self, account: Account) -> None:
        stored = self.items.get((account.tenant_id, account.account_id))
        stored_version = stored.version if stored is not None else None
        if account.version != stored_version:
            raise Conflict("the account changed while we were working on it; try again", "account")

    def _check_trail(self, account: Account) -> None:
        trail = self.trails.get((account.tenant_id, account.account_id), {})
        if any(event.seq in trail for event in account.pending_events):
            raise Conflict("the audit trail moved on meanwhile; try again", "audit")

    def _check_new_lines(self, account: Account) -> None:
        account.take_ledger_out()
        stored = self.lines.get((account.tenant_id, account.account_id), {})
        if any(line.key in stored for line in account.unsaved_lines if line.key in account.new_line_keys):
            raise Conflict("a payment line believed new is already stored", "payment_line")

    def _transact(self, account: Account) -> None:
        self._check_version(account)
        self._check_trail(account)
        self._check_new_lines(account)
        account.version = (account.version or 0) + 1
        self.lines.setdefault((account.tenant_id, account.account_id), {}).update(
            {line.key: line for line in account.unsaved_lines})
        account.lines_saved()
        stored = copy.deepcopy(account)
        stored.pending_events = []
        self.stream.append((copy.deepcopy(self.items.get((account.tenant_id, account.account_id))),
                            copy.deepcopy(stored)))
        self.items[(account.tenant_id, account.account_id)] = stored
        trail = self.trails.setdefault((account.tenant_id, account.account_id), {})
        for event in account.pending_events:
            trail[event.seq] = event
        account.pending_events.clear()
        self.writes += 1

    # --- for tests -----------------------------------------------------------------------------
    def put(self, account: Account) -> Account:
        """Store an account as intake would (its refs, then the account with its audit events); the stored copy."""
        self.add_refs(account, account.processor_ref_keys())
        self.save(account)
        stored = self.get(account.tenant_id, account.account_id)
        assert stored is not None
        return stored

    def audit_types(self, tenant_id: str, account_id: str) -> list[str]:
        return [event.type for event in self.events(tenant_id, account_id) if isinstance(event, AuditEvent)]

    def tamper(self, tenant_id: str, account_id: str, event: StoredEvent) -> None:
        """Overwrite one stored audit event behind the repository's back, as someone with table access could."""
        self.trails[(tenant_id, account_id)][int(event.seq)] = event

    def state(self) -> Any:
        """Everything stored, to assert that a refused operation changed nothing."""
        return copy.deepcopy((self.items, self.trails, self.outbox, self.refs, self.short_links.links, self.lines))


class FakeDebtorReplies:
    """ports.DebtorReplies: inbound markers and kept replies; expired ones are never read back."""

    def __init__(self) -> None:
        self.seen: dict[str, datetime] = {}
        self.kept: list[DebtorReply] = []

    def first_sight(self, inbound_id: str, until: datetime) -> bool:
        if inbound_id in self.seen:
            return False
        self.seen[inbound_id] = until
        return True

    def forget(self, inbound_id: str) -> None:
        self.seen.pop(inbound_id, None)

    def keep(self, reply: DebtorReply) -> None:
        self.kept = [r for r in self.kept if (r.tenant_id, r.account_id, r.received_at, r.reply_id) != (
            reply.tenant_id, reply.account_id, reply.received_at, reply.reply_id)] + [reply]

    def replies(self, tenant_id: str, account_id: str, now: datetime) -> list[DebtorReply]:
        mine = [r for r in self.kept if (r.tenant_id, r.account_id) == (tenant_id, account_id) and r.expires_at > now]
        return sorted(mine, key=lambda r: (iso(r.received_at), r.reply_id), reverse=True)


class FakeParkedPayments:
    """ports.ParkedPayments: events kept under each key that may name their account, one per (key, event)."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], tuple[str, PaymentEvent, datetime]] = {}

    def park(self, tenant_id: str, keys: list[str], event: PaymentEvent, until: datetime) -> None:
        for key in keys:
            self.items[(key, parked_key(event))] = (tenant_id, event, until)

    def waiting(self, tenant_id: str, key: str) -> list[PaymentEvent]:
        return [event for (k, _), (tenant, event, _until) in sorted(self.items.items()) if k == key
                and tenant == tenant_id]

    def release(self, keys: list[str], event: PaymentEvent) -> None:
        for key in keys:
            self.items.pop((key, parked_key(event)), None)


class FakePolicies:
    """ports.PolicyRepository: every version of each tenant's policies; latest() is the highest."""

    def __init__(self) -> None:
        self.stored: dict[tuple[str, str], list[Policy]] = {}
        self.full_reads = 0  # all_latest calls: the sweep reads a tenant's policies once per batch

    def latest(self, tenant_id: str, name: str) -> Policy | None:
        versions = self.stored.get((tenant_id, name))
        return versions[-1] if versions else None

    def all_latest(self, tenant_id: str) -> list[Policy]:
        self.full_reads += 1
        return [versions[-1] for (tenant, _name), versions in sorted(self.stored.items()) if tenant == tenant_id]

    def versions(self, tenant_id: str, name: str) -> list[Policy]:
        return list(self.stored.get((tenant_id, name), []))

    def add_version(self, tenant_id: str, policy: Policy, now: datetime) -> Policy:
        from msgspec.structs import replace

        current = self.latest(tenant_id, policy.name)
        stored = replace(policy, version=(current.version if current else 0) + 1)
        self.stored.setdefault((tenant_id, policy.name), []).append(stored)
        return stored


class FakeTenants:
    """ports.TenantRepository: tenants and their API keys by hash, written together or not at all."""

    def __init__(self) -> None:
        self.tenants: dict[str, Tenant] = {}
        self.keys: dict[str, ApiKey] = {}

    def get(self, tenant_id: str) -> Tenant | None:
        return self.tenants.get(tenant_id)

    def set_excluded_days(self, tenant_id: str, days: tuple[date, ...]) -> Tenant | None:
        from msgspec.structs import replace

        if tenant_id not in self.tenants:
            return None
        self.tenants[tenant_id] = replace(self.tenants[tenant_id], excluded_days=days)
        return self.tenants[tenant_id]

    def set_reply_to(self, tenant_id: str, reply_to: str | None) -> Tenant | None:
        from msgspec.structs import replace

        if tenant_id not in self.tenants:
            return None
        self.tenants[tenant_id] = replace(self.tenants[tenant_id], reply_to=reply_to)
        return self.tenants[tenant_id]

    def add(self, tenant: Tenant, key: ApiKey) -> None:
        if tenant.tenant_id in self.tenants or key.key_hash in self.keys:
            raise Conflict("this tenant or key exists already", "tenant_id")
        self.tenants[tenant.tenant_id] = tenant
        self.keys[key.key_hash] = key

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        return self.keys.get(key_hash)


if TYPE_CHECKING:  # mypy proves each fake satisfies its port
    from chalicelib.domain import ports

    _accounts: ports.AccountRepository = FakeAccounts()
    _parked: ports.ParkedPayments = FakeParkedPayments()
    _policies: ports.PolicyRepository = FakePolicies()
    _tenants: ports.TenantRepository = FakeTenants()
    _short_links: ports.ShortLinks = FakeShortLinks()
    _replies: ports.DebtorReplies = FakeDebtorReplies()


class FakeSweepLedger:
    """ports.SweepLedger: per tenant, a count per day, the limits, and the holds keyed by when they were held."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, date], int] = {}
        self.limit_settings: dict[str, SweepLimits] = {}
        self.hold_items: dict[tuple[str, datetime], SweepHold] = {}

    def count_sent(self, tenant_id: str, day: date, messages: int = 1) -> None:
        self.counts[(tenant_id, day)] = self.counts.get((tenant_id, day), 0) + messages

    def sent_counts(self, tenant_id: str, first: date, last: date) -> dict[date, int]:
        return {day: count for (tenant, day), count in self.counts.items()
                if tenant == tenant_id and first <= day <= last}

    def limits(self, tenant_id: str) -> SweepLimits | None:
        return self.limit_settings.get(tenant_id)

    def set_limits(self, tenant_id: str, limits: SweepLimits) -> None:
        self.limit_settings[tenant_id] = limits

    def holds(self, tenant_id: str, limit: int = 20) -> list[SweepHold]:
        mine = sorted(((at, hold) for (tenant, at), hold in self.hold_items.items() if tenant == tenant_id),
                      key=lambda pair: pair[0], reverse=True)
        return [hold for _, hold in mine[:limit]]

    def save_hold(self, hold: SweepHold, expected_status: str | None) -> bool:
        key = (hold.tenant_id, hold.held_at)
        current = self.hold_items.get(key)
        if (current.status if current else None) != expected_status:
            return False
        self.hold_items[key] = hold  # frozen: a stored hold cannot change behind the ledger's back
        return True

    def state(self) -> Any:
        return copy.deepcopy((self.counts, self.limit_settings, self.hold_items))


class FakeFigureStore:
    """ports.FigureStore in memory: items of counters per tenant, and what is counted for each account."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, int]] = {}
        self.accounts: dict[tuple[str, str], Counted] = {}
        self.reads = 0
        self._interference: list[Callable[[], None]] = []

    def before_next_move(self, change: Callable[[], None]) -> None:
        """Run `change` just before the next move is checked: the stream or a rebuild that got there first."""
        self._interference.append(change)

    def counted(self, tenant_id: str, account_id: str) -> Counted | None:
        return self.accounts.get((tenant_id, account_id))

    def all_counted(self, tenant_id: str) -> Iterator[tuple[str, Counted]]:
        for (tenant, account_id), counted in sorted(self.accounts.items()):
            if tenant == tenant_id:
                yield account_id, counted

    def move(self, tenant_id: str, account_id: str, move: Move) -> bool:
        while self._interference:
            self._interference.pop(0)()
        if not lands_on(move, self.accounts.get((tenant_id, account_id))):
            return False
        if move.end is None:
            self.accounts.pop((tenant_id, account_id), None)
        else:
            self.accounts[(tenant_id, account_id)] = move.end
        self._add(tenant_id, move.added)
        return True

    def correct(self, tenant_id: str, items: dict[str, dict[str, int]], writes: int | None) -> bool:
        if self.items.get((tenant_id, TOTAL_ITEM), {}).get(WRITES) != writes:
            return False
        self._add(tenant_id, {**items, TOTAL_ITEM: {**items.get(TOTAL_ITEM, {}), WRITES: 1}})
        return True

    def _add(self, tenant_id: str, items: dict[str, dict[str, int]]) -> None:
        for key, counters in items.items():
            stored = self.items.setdefault((tenant_id, key), {})
            for name, n in counters.items():
                stored[name] = stored.get(name, 0) + n

    def item(self, tenant_id: str, key: str) -> dict[str, int]:
        self.reads += 1
        return dict(self.items.get((tenant_id, key), {}))

    def between(self, tenant_id: str, first: str, last: str) -> dict[str, dict[str, int]]:
        self.reads += 1
        return {key: dict(counters) for (tenant, key), counters in sorted(self.items.items())
                if tenant == tenant_id and first <= key <= last}

    def replace(self, tenant_id: str, items: dict[str, dict[str, int]], prefixes: tuple[str, ...]) -> None:
        for tenant, key in list(self.items):
            if tenant == tenant_id and key.startswith(prefixes):
                del self.items[(tenant, key)]
        self.items.update({(tenant_id, key): dict(counters) for key, counters in items.items()})
