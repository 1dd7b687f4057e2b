"""The sweep: find due accounts through the due index (never a scan) and fan them out as work items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field

from chalicelib.domain.holiday_hints import holiday_hint
from chalicelib.domain.ports import AccountRepository, Clock, DueEntry, HolidayCalendar, SweepGate, WorkQueue
from chalicelib.domain.times import iso

if TYPE_CHECKING:  # the scheduled sweep never loads the worker
    from chalicelib.domain.outcomes import Outcome
    from chalicelib.domain.sweep_holds import SweepHold


class SweepPlan(Struct):
    """What one sweep queues, and the tenants' runs the circuit breaker held instead."""

    items: list[dict[str, Any]] = field(default_factory=list)
    held: list[SweepHold] = field(default_factory=list)


class SweepService:
    def __init__(self, accounts: AccountRepository, shards: int, clock: Clock,
                 breaker: SweepGate | None = None, holidays: HolidayCalendar | None = None) -> None:
        self._accounts = accounts
        self._shards = shards
        self._clock = clock
        self._breaker = breaker
        self._holidays = holidays  # to put the debtor's coming holidays on each item (domain/holiday_hints.py)

    def due_items(self, at: datetime, tenant_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Every due account as a work item, unguarded (benchmarks, tests of the index): the sweep uses `plan`."""
        hints = self._hints(at)
        for entry in self._due(at, tenant_id):
            yield _item(entry, at, hints)

    def plan(self, at: datetime, tenant_id: str | None = None) -> SweepPlan:
        """The due accounts, tenant by tenant through the circuit breaker: a tenant whose run it holds has none of
        its accounts queued (services/breaker.py)."""
        by_tenant: dict[str, list[DueEntry]] = {}
        for entry in self._due(at, tenant_id):
            by_tenant.setdefault(entry[0], []).append(entry)
        plan = SweepPlan()
        hints = self._hints(at)
        for found_tenant, entries in by_tenant.items():
            if self._breaker is not None:
                admission = self._breaker.admit(found_tenant, entries, at)
                if not admission.queue:
                    if admission.hold is not None:
                        plan.held.append(admission.hold)
                    continue
            plan.items.extend(_item(entry, at, hints) for entry in entries)
        return plan

    def _due(self, at: datetime, tenant_id: str | None) -> Iterator[DueEntry]:
        if tenant_id is not None:
            yield from self._accounts.due_of_tenant(tenant_id, at)
            return
        for shard in range(self._shards):
            yield from self._accounts.due(at, shard)

    def enqueue_due(self, queue: WorkQueue, tenant_id: str | None = None) -> int:
        """What the scheduled function does: every due account the breaker lets through becomes one queue message."""
        return queue.send_batch(self.plan(self._clock.now(), tenant_id).items)

    def _hints(self, at: datetime) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
        """The holiday hint of a snapshot's debtor, made once per place and sweep."""
        made: dict[tuple[str | None, str | None], dict[str, Any] | None] = {}

        def hint(snapshot: dict[str, Any]) -> dict[str, Any] | None:
            if self._holidays is None:
                return None
            place = self._accounts.place_in_snapshot(snapshot)
            if place not in made:
                made[place] = holiday_hint(self._holidays, *place, at)
            return made[place]

        return hint


def _item(entry: DueEntry, at: datetime, hint: Callable[[dict[str, Any]], dict[str, Any] | None]
          ) -> dict[str, Any]:
    """One queue message. Without a snapshot (an account too big to carry) the worker reads the account itself,
    and asks the holiday calendar itself too."""
    found_tenant, account_id, snapshot = entry
    item: dict[str, Any] = {"tenant_id": found_tenant, "account_id": account_id, "due_by": iso(at)}
    if not snapshot:
        return item
    holidays = hint(snapshot)
    return {**item, "snapshot": snapshot, **({"holidays": holidays} if holidays else {})}


def held_summary(held: list[SweepHold]) -> list[dict[str, Any]]:
    """The held runs as the sweep's summary lists them: counts only."""
    return [{"tenant_id": hold.tenant_id, "hold_id": hold.hold_id, "status": hold.status, "messages": hold.messages,
             "accounts": hold.accounts} for hold in held]


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """The JSON summary API.md promises: evaluated / sent / withheld by reason / deferred (and a bit more)."""
    withheld = Counter(o.reason for o in outcomes if o.kind == "withheld")
    deferred_by = Counter(o.reason for o in outcomes if o.kind == "deferred")
    return {
        "evaluated": sum(1 for o in outcomes if o.kind != "skipped"),
        "sent": sum(1 for o in outcomes if o.kind == "sent"),
        "withheld": dict(sorted(withheld.items())),
        "deferred": sum(deferred_by.values()),
        "deferred_by": dict(sorted(deferred_by.items())),
        "escalated": sum(1 for o in outcomes if o.kind == "escalated"),
        "failed": sum(1 for o in outcomes if o.kind == "failed"),
        "skipped": sum(1 for o in outcomes if o.kind == "skipped"),
    }

