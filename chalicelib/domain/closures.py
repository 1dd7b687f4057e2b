"""Days a tenant closes (company closure, local events): the guard holds reminders on them like a public
holiday and cites the tenant's setting (`tenant_closed`). The days travel with the holiday calendar into
decide(), so the decision stays pure and reads nothing more."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING

from msgspec import Struct

from .courtesy import TENANT_CLOSED

if TYPE_CHECKING:  # annotations only: the queue worker never loads every port
    from .ports import HolidayCalendar

MAX_EXCLUDED_DAYS = 366


class TenantCalendar(Struct, frozen=True):
    """The debtor's public holidays (a HolidayCalendar) plus the days the tenant excludes."""

    holidays: HolidayCalendar
    excluded_days: frozenset[date] = frozenset()

    def __call__(self, country: str | None, region: str | None) -> Callable[[date], bool]:
        return self.holidays(country, region)


def with_excluded_days(holidays: HolidayCalendar, days: Iterable[date]) -> HolidayCalendar:
    days = frozenset(days)
    return TenantCalendar(holidays, days) if days else holidays


def excluded_days(calendar: HolidayCalendar) -> frozenset[date]:
    """The tenant's excluded days carried by this calendar (none for a plain holiday calendar)."""
    return calendar.excluded_days if isinstance(calendar, TenantCalendar) else frozenset()


def cited_setting(rule: str) -> dict[str, str]:
    """The tenant setting a deferral or withholding rests on, for the audit trail (none for the guard's own rules)."""
    return {"tenant_setting": "excluded_days"} if rule == TENANT_CLOSED else {}
