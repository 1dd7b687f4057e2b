"""The finance figures behind GET /v1/metrics (SPEC 10): what was recovered, sent and withheld and why, opt-outs,
disputes, in total or over a period.

The accounts table's stream keeps them per tenant as counters (services/figure_stream.py, domain/figures.py),
so an answer is a handful of reads whatever the tenant's size: the tenant's total item, the end dates of the
flags that hold, and, for a period, the tenant's day items from `from` to `to`. Flows (payments, money, messages,
plans started...) are summed over the period's days; how things stand (accounts by state, outstanding, plans
active, opt-outs, disputes open, pauses active) is always "now".
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.figures import (
    ENDS_ITEM,
    TOTAL_ITEM,
    Counters,
    answer,
    day_item,
    ends_item,
    flows_of,
    sum_counters,
)
from chalicelib.domain.ports import Clock, FigureStore

Period = tuple[date, date]


def period_asked(start: str | None, end: str | None, today: date) -> Period | None:
    """`from` and `to` as given (YYYY-MM-DD, both included); one alone runs from the first day or to today."""
    if not start and not end:
        return None
    first = _day(start, "from") if start else date.min
    last = _day(end, "to") if end else today
    if first > last:
        raise InvalidInput("from must not be after to", "from")
    return first, last


def _day(text: str, name: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name} must be a date, YYYY-MM-DD", name) from None


class FinanceFigures:
    def __init__(self, store: FigureStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def figures(self, tenant_id: str, period: Period | None = None) -> dict[str, Any]:
        now = self._clock.now()
        total = self._store.item(tenant_id, TOTAL_ITEM)
        # An end falls on the UTC day of its instant: today's and later items hold every end still ahead.
        ends = sum_counters(self._store.between(tenant_id, ends_item(now.astimezone(UTC).date()),
                                                ENDS_ITEM + "~").values())
        if period is None:
            return answer(total, flows_of(total), ends, now)
        flows = sum_counters(self.days(tenant_id, *period).values())
        return {**answer(total, flows, ends, now),
                "period": {"from": _text(period[0]), "to": period[1].isoformat()}}

    def days(self, tenant_id: str, first: date, last: date) -> dict[str, Counters]:
        """The tenant's day items from `first` to `last`, by item key (`day#<date>`): one query."""
        return self._store.between(tenant_id, day_item(first), day_item(last)) if first <= last else {}


def _text(day: date) -> str | None:
    return None if day == date.min else day.isoformat()

