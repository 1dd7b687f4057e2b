"""Which policy step is due for an account, and when its next action falls."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .accounts import Account
from .policies import Policy, Step

EARLIEST_LOCAL = time(8, 0)


@dataclass(frozen=True)
class DueStep:
    index: int
    step: Step
    cycle: str
    due_on: date
    superseded: tuple[int, ...]  # earlier steps that came due together; only the latest one is sent


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=256)
def _country_zones(country: str) -> tuple[str, ...]:
    from babel.core import get_global

    return tuple(get_global("territory_zones").get(country, ()))


def recipient_zones(account: Account) -> tuple[str, ...]:
    """The debtor's own zone; when unknown, every zone of their country (the guard must suit all of them)."""
    if account.timezone:
        return (account.timezone,)
    zones = _country_zones(account.country or "")
    return zones or ("UTC",)


def local_day(instant: datetime, zones: tuple[str, ...]) -> date:
    """The earliest local calendar day among the zones: a step never comes due early anywhere."""
    return min(instant.astimezone(zone(name)).date() for name in zones)


def opening_instant(day: date, zones: tuple[str, ...], policy: Policy) -> datetime:
    """The first moment on `day` when a message may go out in every zone, in UTC."""
    start = max(policy.send_window.start, EARLIEST_LOCAL)
    return max(datetime.combine(day, start, zone(name)) for name in zones).astimezone(UTC)


def _progress(account: Account, cycle: str) -> int:
    return account.last_step if account.cycle == cycle else -1


def next_action_at(account: Account, policy: Policy) -> datetime | None:
    """When the next unhandled step of the current cycle comes due; None when nothing is left to do."""
    anchor = account.anchor()
    if anchor is None or not account.owes_anything():
        return None
    cycle, due_on = anchor
    following = _progress(account, cycle) + 1
    if following >= len(policy.steps):
        return None
    day = due_on + timedelta(days=policy.steps[following].offset_days)
    return opening_instant(day, recipient_zones(account), policy)


def due_step(account: Account, policy: Policy, at: datetime,
             reachable: Callable[[Step], bool] = lambda _step: True) -> DueStep | None:
    """The latest unhandled step whose day has come, in the debtor's calendar.

    When several came due together (an account loaded late, say), the latest one the debtor can actually
    receive is chosen: a newest step on a channel we may not use (no SMS consent) must not swallow an
    earlier email. Steps after the chosen one stay unhandled; the next pass withholds them with their reason.
    """
    anchor = account.anchor()
    if anchor is None:
        return None
    cycle, due_on = anchor
    today = local_day(at, recipient_zones(account))
    come_due = [
        i
        for i in range(_progress(account, cycle) + 1, len(policy.steps))
        if due_on + timedelta(days=policy.steps[i].offset_days) <= today
    ]
    if not come_due:
        return None
    usable = [i for i in come_due if reachable(policy.steps[i])]
    chosen = usable[-1] if usable else come_due[-1]
    return DueStep(chosen, policy.steps[chosen], cycle, due_on, tuple(i for i in come_due if i < chosen))
