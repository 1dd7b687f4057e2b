"""Which policy step is due for an account, and when its next action falls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from msgspec import Struct

from . import accounts as acc
from .accounts import Account
from .early_heads_up import step_offset
from .policies import Policy, Step

EARLIEST_LOCAL = time(8, 0)


class DueStep(Struct, frozen=True):
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


def mark_handled(account: Account, policy: Policy, index: int) -> None:
    """Record how far the cycle has gone: by position, and by the step's own key for a later policy edit."""
    account.last_step = index
    account.last_step_key = policy.steps[index].key if index >= 0 else None


def align_progress(account: Account, policy: Policy) -> None:
    """Find the progress again after the policy changed under the account (a step added or removed): by
    the key of the last step handled, or else every step up to its offset counts as handled. Without this a
    removed step would silently skip the next one and an added one would resend an old one."""
    key = account.last_step_key
    steps = policy.steps
    if key is None or (0 <= account.last_step < len(steps) and steps[account.last_step].key == key):
        return
    keys = [step.key for step in steps]
    if key in keys:
        account.last_step = keys.index(key)
        return
    handled_offset = int(key.split(":", 1)[0])
    account.last_step = sum(1 for step in steps if step.offset_days <= handled_offset) - 1


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
    day = due_on + timedelta(days=step_offset(account, policy, policy.steps[following],
                                              recipient_zones(account)[0]))
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
        if due_on + timedelta(days=step_offset(account, policy, policy.steps[i], recipient_zones(account)[0])) <= today
    ]
    if not come_due:
        return None
    usable = [i for i in come_due if reachable(policy.steps[i])]
    chosen = usable[-1] if usable else come_due[-1]
    return DueStep(chosen, policy.steps[chosen], cycle, due_on, tuple(i for i in come_due if i < chosen))


def refresh_schedule(account: Account, policy: Policy) -> None:
    """Recompute state and next action after anything changes what is owed or what holds messages. A
    pending thank-you brings the next action forward (it goes out even when nothing is owed)."""
    _refresh_steps(account, policy)
    thanks = account.pending_thanks
    if thanks is not None and account.state != acc.HELD and (
            account.next_action_at is None or thanks.not_before < account.next_action_at):
        account.next_action_at = thanks.not_before


def _refresh_steps(account: Account, policy: Policy) -> None:
    anchor = account.anchor()
    if anchor is not None and account.cycle != anchor[0] and _same_episode(account, anchor[1]):
        account.cycle = anchor[0]  # a plan paid off the oldest invoice: the debt it covers goes on, progress too
    elif anchor is not None and account.cycle != anchor[0]:
        # A new overdue episode: its own schedule from the first step. An escalation belonged to the last one.
        account.cycle = anchor[0]
        mark_handled(account, policy, -1)
        if account.state == acc.ESCALATED:
            account.state = acc.ACTIVE
    else:
        align_progress(account, policy)
    if account.hold_reason is not None:  # money went back: a person decides what happens next
        account.state, account.next_action_at = acc.HELD, None
        return
    if not account.owes_anything():
        account.state, account.next_action_at = acc.SETTLED, None
        return
    if account.state in (acc.ESCALATED,):  # a person has the account: only a plan agreed with them goes on
        account.next_action_at = _earliest(*_arrangement_times(account, policy)) if account.plan else None
        return
    account.next_action_at = _earliest(steps_at(account, policy), *_arrangement_times(account, policy))
    account.state = acc.ACTIVE if account.next_action_at else acc.COMPLETED


def _same_episode(account: Account, new_anchor_due: date) -> bool:
    """Whether the oldest invoice changed inside one episode: a payment plan (running, or ended by misses)
    covered the invoice that now anchors the cycle, because it was already owed when the plan was agreed. Its
    instalments paid off an older invoice; the debtor is not at the start of a new debt, so the steps resume
    from where they were (notices.py), never from the first one. An invoice issued after the plan starts its
    own episode, as does anything once no plan was ever agreed."""
    plan = account.plan
    return plan is not None and new_anchor_due <= plan.created_at.date()


def steps_at(account: Account, policy: Policy) -> datetime | None:
    """The next step's time, unless a plan stops the steps (no time) or a promise puts them off (its end)."""
    from .notices import steps_paused  # notices reads the schedule: imported when needed

    steps_at = next_action_at(account, policy)
    paused, resume_at = steps_paused(account, policy)
    if not paused:
        return steps_at
    return None if steps_at is None or resume_at is None else max(steps_at, resume_at)


def _arrangement_times(account: Account, policy: Policy) -> list[datetime]:
    from .notices import wake_times

    return wake_times(account, policy)


def next_wake(account: Account, policy: Policy, now: datetime) -> datetime | None:
    """When to look at an account again after deciding there is nothing to do at `now`: the next step's time, or
    the next moment something is due for a plan, promise or offer (only later ones: one whose day has passed
    with nothing to do, a heads-up the plan's making made needless, say, must not wake it every sweep)."""
    steps = steps_at(account, policy) if account.state != acc.ESCALATED else None
    return _earliest(steps, *(t for t in _arrangement_times(account, policy) if t > now))


def _earliest(*times: datetime | None) -> datetime | None:
    present = [t for t in times if t is not None]
    return min(present) if present else None
