"""Public holidays of the debtor's country and region, from the `holidays` package."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache


def _never(_day: date) -> bool:
    return False


@lru_cache(maxsize=512)
def holiday_checker(country: str | None, region: str | None) -> Callable[[date], bool]:
    """A country the package does not know has no holiday rule; an unknown region falls back to the
    national calendar."""
    import holidays

    supported = holidays.list_supported_countries()
    if not country or country not in supported:
        return _never
    calendar = holidays.country_holidays(country, subdiv=region if region in supported[country] else None)
    return lambda day: day in calendar
