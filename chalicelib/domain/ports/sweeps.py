"""Sweeps: the work queue the sweep fills, the per-tenant send counts and holds of the circuit breaker, and what
the breaker and the forecast offer the other use cases."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a use case loads the domain modules it works with, not every port's
    from ..sweep_holds import Admission, SweepHold, SweepLimits
    from .accounts import DueEntry


class WorkQueue(Protocol):
    def send_batch(self, bodies: Iterable[dict[str, Any]]) -> int:
        """Enqueue each body as one work item; how many were enqueued."""


class SweepLedger(Protocol):
    """Per tenant: messages sent per day, the breaker's limits, and the sweep holds (services/breaker.py)."""

    def count_sent(self, tenant_id: str, day: date, messages: int = 1) -> None:
        """Add to the tenant's count for that (UTC) day, atomically."""

    def sent_counts(self, tenant_id: str, first: date, last: date) -> dict[date, int]:
        """The counts of the days from `first` to `last` that have one."""

    def limits(self, tenant_id: str) -> SweepLimits | None: ...

    def set_limits(self, tenant_id: str, limits: SweepLimits) -> None: ...

    def holds(self, tenant_id: str, limit: int = 20) -> list[SweepHold]:
        """The tenant's holds, newest first."""

    def save_hold(self, hold: SweepHold, expected_status: str | None) -> bool:
        """Write the hold if it is new (`expected_status` None) or still in `expected_status`; False otherwise
        (someone else approved or discarded it first), writing nothing."""


# --- what one use case offers the others (the container wires the service that implements each) ---------------

class SweepGate(Protocol):
    """What the sweep and the forecast ask of the circuit breaker (services/breaker.py)."""

    def admit(self, tenant_id: str, entries: list[DueEntry], now: datetime) -> Admission:
        """Whether this sweep may queue the tenant's due accounts; a run far above its usual day is held."""

    def outlook(self, tenant_id: str, would_send: int, now: datetime,
                first_runs: frozenset[tuple[str, int]] = frozenset()) -> dict[str, Any]:
        """Whether a run sending that many now (under these policy versions asking for their first run to be
        approved) would be held, and against what."""


class Forecasts(Protocol):
    """What the coming sweeps will send and hold back (services.forecast.ForecastService)."""

    def forecast(self, tenant_id: str, hours: int = 24) -> dict[str, Any]: ...


class HeldSweeps(Protocol):
    """The runs the circuit breaker holds, and a person's decision on them (services.breaker.SweepBreaker)."""

    def held(self, tenant_id: str) -> dict[str, Any]: ...

    def approve(self, tenant_id: str, actor: str) -> dict[str, Any]: ...

    def discard(self, tenant_id: str, actor: str) -> dict[str, Any]: ...
