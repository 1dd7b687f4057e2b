"""The sweep: find due accounts through the due index (never a scan) and fan them out as work items."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.ports import AccountRepository, Clock, DueEntry, WorkQueue
from chalicelib.domain.times import iso

if TYPE_CHECKING:  # the scheduled sweep never loads the worker
    from chalicelib.domain.outcomes import Outcome


class SweepService:
    def __init__(self, accounts: AccountRepository, shards: int, clock: Clock) -> None:
        self._accounts = accounts
        self._shards = shards
        self._clock = clock

    def due_items(self, at: datetime, tenant_id: str | None = None) -> Iterator[dict[str, Any]]:
        for found_tenant, account_id, snapshot in self._due(at, tenant_id):
            item = {"tenant_id": found_tenant, "account_id": account_id, "due_by": iso(at)}
            yield {**item, "snapshot": snapshot} if snapshot else item

    def _due(self, at: datetime, tenant_id: str | None) -> Iterator[DueEntry]:
        if tenant_id is not None:
            yield from self._accounts.due_of_tenant(tenant_id, at)
            return
        for shard in range(self._shards):
            yield from self._accounts.due(at, shard)

    def enqueue_due(self, queue: WorkQueue, tenant_id: str | None = None) -> int:
        """What the scheduled function does: every due account becomes one queue message."""
        return queue.send_batch(self.due_items(self._clock.now(), tenant_id))


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

