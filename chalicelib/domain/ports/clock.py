"""Time and the calendar: the current instant, and the public holidays where a debtor lives."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""


class HolidayCalendar(Protocol):
    def __call__(self, country: str | None, region: str | None) -> Callable[[date], bool]:
        """Whether a day is a public holiday where the debtor lives (never, for a country it does not know)."""
