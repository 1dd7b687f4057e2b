"""The sweep's answer to "which of the coming days are public holidays where this debtor lives", carried on the
queue message so that the worker answers from it instead of loading the holiday calendars: the `holidays`
package imports every country's module to give one (about a tenth of a second of a worker's cold start, paid
once per sweep instead).

The hint names the country and region it was made for and the days it covers (UTC's yesterday to a week
ahead: every zone's local today, and the next open day a deferral looks for). Any other place or day, a
message without a hint (sent before this existed) or a hint that does not read, goes to the real calendar,
so the answers are the same either way."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from msgspec import Struct

if TYPE_CHECKING:
    from .ports import HolidayCalendar

DAYS_BEFORE = 1  # a debtor west of UTC may still be on UTC's yesterday
DAYS_AFTER = 8  # east of UTC it may be tomorrow; then a week for a deferral past a weekend or a holiday


def holiday_hint(calendar: HolidayCalendar, country: str | None, region: str | None, at: datetime
                 ) -> dict[str, Any] | None:
    """The hint for a debtor in `country` and `region`, swept at `at` (None without a country: no holidays)."""
    if not country:
        return None
    is_holiday = calendar(country, region)
    first = at.astimezone(UTC).date() - timedelta(days=DAYS_BEFORE)
    days = [first + timedelta(days=n) for n in range(DAYS_BEFORE + DAYS_AFTER + 1)]
    return {"country": country, "region": region, "from": days[0].isoformat(), "to": days[-1].isoformat(),
            "holidays": [day.isoformat() for day in days if is_holiday(day)]}


class HintedCalendar(Struct, frozen=True):
    """A HolidayCalendar that answers from a hint for its place and days, and asks `calendar` for anything else
    (only when asked: the real calendar is not even built for the days the hint covers)."""

    calendar: HolidayCalendar
    country: str
    region: str | None
    first: date
    last: date
    holidays: frozenset[date]

    def __call__(self, country: str | None, region: str | None) -> Callable[[date], bool]:
        if (country, region) != (self.country, self.region):
            return self.calendar(country, region)
        real: list[Callable[[date], bool]] = []

        def is_holiday(day: date) -> bool:
            if self.first <= day <= self.last:
                return day in self.holidays
            if not real:
                real.append(self.calendar(country, region))
            return real[0](day)

        return is_holiday


def with_hint(calendar: HolidayCalendar, hint: Mapping[str, Any] | None) -> HolidayCalendar:
    """`calendar`, answering from the sweep's hint where it covers (unchanged without a hint that reads)."""
    if not isinstance(hint, Mapping):
        return calendar
    try:
        country, region = hint["country"], hint["region"]
        first, last = date.fromisoformat(hint["from"]), date.fromisoformat(hint["to"])
        holidays = frozenset(date.fromisoformat(day) for day in hint["holidays"])
    except (KeyError, TypeError, ValueError):
        return calendar
    if not isinstance(country, str) or not (region is None or isinstance(region, str)):
        return calendar
    return HintedCalendar(calendar, country, region, first, last, holidays)
