"""Public holidays of the debtor's country and region, from the `holidays` package."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache


@lru_cache(maxsize=512)
def holiday_checker(country: str | None, region: str | None) -> Callable[[date], bool]:
    if not country:
        return lambda _day: False
    import holidays

    try:
        calendar = holidays.country_holidays(country, subdiv=region)
    except NotImplementedError:
        return lambda _day: False  # a country the package does not know: no holiday rule
    except Exception:  # noqa: BLE001 - an unknown region falls back to the national calendar
        calendar = holidays.country_holidays(country)
    return lambda day: day in calendar
