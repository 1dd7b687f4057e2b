"""The console's overview: the finance figures of GET /v1/metrics, and what its small charts draw.

The figures are running tallies since each account was created (services/figures.py): they carry no dates, so
only money has a per-week chart, from the dated payments each account keeps (received less paid back, by the
UTC week it happened in); messages sent and withheld, and plans kept and broken, are charted for all time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.payments import CHARGEBACK, REFUNDED, SUCCEEDED
from chalicelib.domain.ports import AccountRepository, Clock

PERIODS = (4, 8, 13, 26, 52)  # weeks the per-week chart can show
DEFAULT_WEEKS = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    share: float  # of the chart's largest bar, 0..1: the template turns it into a length


@dataclass(frozen=True)
class Chart:
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
    def __init__(self, figures: Callable[[str], dict[str, Any]], accounts: AccountRepository, clock: Clock) -> None:
        self._figures = figures
        self._accounts = accounts
        self._clock = clock

    def overview(self, tenant_id: str, weeks: int) -> dict[str, Any]:
        figures = self._figures(tenant_id)
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
        this_week = week_start(self._clock.now().astimezone(UTC).date())
        first = this_week - timedelta(weeks=weeks - 1)
        totals: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        for account in self._accounts.all_of(tenant_id):
            for payment in account.payments:
                week = week_start(_utc_day(payment.at))
                if week < first or payment.kind not in (SUCCEEDED, REFUNDED, CHARGEBACK):
                    continue
                totals[payment.currency][week] += payment.amount if payment.kind == SUCCEEDED else -payment.amount
        starts = [first + timedelta(weeks=n) for n in range(weeks)]
        return [chart(f"Recovered per week ({currency})",
                      [(start.strftime("%d %b"), by_week.get(start, 0)) for start in starts], currency)
                for currency, by_week in sorted(totals.items())]


def _utc_day(at: datetime) -> date:
    return at.astimezone(UTC).date()
