"""The console's overview: the finance figures of GET /v1/metrics over the weeks asked, and what its small
charts draw.

The figures come from the aggregates the accounts table's stream keeps (services/figures.py): the period's
flows (money, messages, plans) are summed from its day items, and money recovered per week (received less paid
back, by the UTC week the stream recorded it in) from the same items; how things stand is "now"."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from msgspec import Struct

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.figures import recovered_per_day
from chalicelib.domain.ports import Clock, Figures

PERIODS = (4, 8, 13, 26, 52)  # weeks the per-week chart can show
DEFAULT_WEEKS = 8


class Bar(Struct, frozen=True):
    label: str
    value: int
    share: float  # of the chart's largest bar, 0..1: the template turns it into a length


class Chart(Struct, frozen=True):
    title: str
    bars: tuple[Bar, ...]
    unit: str = ""  # a currency code for money, else a count

    @property
    def empty(self) -> bool:
        return not any(bar.value for bar in self.bars)


def chart(title: str, values: list[tuple[str, int]], unit: str = "") -> Chart:
    top = max((abs(value) for _, value in values), default=0)
    return Chart(title, tuple(Bar(label, value, abs(value) / top if top else 0.0) for label, value in values), unit)


def weeks_asked(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_WEEKS
    if not text.isdigit() or int(text) not in PERIODS:
        raise InvalidInput(f"weeks must be one of {', '.join(map(str, PERIODS))}", "weeks")
    return int(text)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


class ConsoleOverview:
    def __init__(self, figures: Figures, clock: Clock) -> None:
        self._figures = figures
        self._clock = clock

    def overview(self, tenant_id: str, weeks: int) -> dict[str, Any]:
        first, today = self._weeks(weeks)
        figures = self._figures.figures(tenant_id, (first, today))
        messages = figures["messages"]
        plans = figures["plans"]
        charts = [
            chart("Messages sent, by channel", sorted(messages["sent"].items())),
            chart("Messages held back, by reason", sorted(messages["withheld"].items(), key=lambda kv: -kv[1])),
            chart("Messages deferred to a decent hour, by reason",
                  sorted(messages["deferred"].items(), key=lambda kv: -kv[1])),
        ]
        if any(plans[what] for what in ("started", "completed", "broken", "cancelled")):
            charts.append(chart("Payment plans", [("kept (completed)", plans["completed"]),
                                                  ("active", plans["active"]), ("broken", plans["broken"]),
                                                  ("cancelled", plans["cancelled"])]))
        return {"figures": figures, "charts": charts, "weekly": self.recovered_by_week(tenant_id, weeks),
                "weeks": weeks, "periods": PERIODS}

    def recovered_by_week(self, tenant_id: str, weeks: int) -> list[Chart]:
        """One chart per currency: money received less money paid back, per UTC week, the last `weeks` weeks."""
        first, today = self._weeks(weeks)
        per_day = recovered_per_day(self._figures.days(tenant_id, first, today))
        starts = [first + timedelta(weeks=n) for n in range(weeks)]
        charts = []
        for currency, by_day in sorted(per_day.items()):
            by_week: dict[date, int] = {}
            for day, amount in by_day.items():
                by_week[week_start(day)] = by_week.get(week_start(day), 0) + amount
            charts.append(chart(f"Recovered per week ({currency})",
                                [(start.strftime("%d %b"), by_week.get(start, 0)) for start in starts], currency))
        return charts

    def _weeks(self, weeks: int) -> tuple[date, date]:
        today = self._clock.now().astimezone(UTC).date()
        return week_start(today) - timedelta(weeks=weeks - 1), today
