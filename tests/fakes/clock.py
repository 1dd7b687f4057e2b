"""Time and the holiday calendar, set by the test."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING


class FakeClock:
    """A clock that stands still until the test moves it (whole seconds, UTC, as SystemClock gives)."""

    def __init__(self, at: datetime) -> None:
        self._at = self._checked(at)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = self._checked(at)

    def advance(self, delta: timedelta) -> datetime:
        self._at = self._checked(self._at + delta)
        return self._at

    @staticmethod
    def _checked(at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("a FakeClock needs an aware datetime")
        return at.astimezone(UTC).replace(microsecond=0)


class FakeHolidays:
    """adapters.holiday_calendar.holiday_checker's shape: (country, region) -> is this local day a holiday.
    Only the days given are holidays (per country, or per 'country-region')."""

    def __init__(self, days: dict[str, set[date]] | None = None) -> None:
        self.days = {place: set(found) for place, found in (days or {}).items()}

    def __call__(self, country: str | None, region: str | None) -> Callable[[date], bool]:
        national = self.days.get(country or "", set())
        regional = self.days.get(f"{country}-{region}", set()) if region else set()
        return lambda day: day in national or day in regional


if TYPE_CHECKING:  # mypy proves each fake satisfies its port
    from chalicelib.domain import ports

    _clock: ports.Clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    _holidays: ports.HolidayCalendar = FakeHolidays()
