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

    if not country:
        return _never
    # Asking for the one country loads its module alone (list_supported_countries() would import all of them:
    # about a tenth of a second of the worker's cold start).
    try:
        calendar = holidays.country_holidays(country)
    except NotImplementedError:  # how the holidays package says it has no calendar for this country
        return _never
    if region and region in calendar.subdivisions:
        calendar = holidays.country_holidays(country, subdiv=region)
    return lambda day: day in calendar
