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
    if not country:
        return _never
    # Only here: the package's first country imports every country module (holidays/countries/__init__.py), about
    # a tenth of a second of a cold start. The queue worker answers from the sweep's hint instead where it can
    # (domain/holiday_hints.py); a debtor without a country costs nothing.
    import holidays

    if country not in _countries_with_calendars():
        return _never
    calendar = holidays.country_holidays(country)
    if region and region in calendar.subdivisions:
        calendar = holidays.country_holidays(country, subdiv=region)
    return lambda day: day in calendar


@lru_cache(maxsize=1)
def _countries_with_calendars() -> frozenset[str]:
    """The codes (ES, ESP...) the package has a calendar for, read from its registry without loading any."""
    from holidays.registry import EntityLoader

    return frozenset(EntityLoader.get_country_codes())
