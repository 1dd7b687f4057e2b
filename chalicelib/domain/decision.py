"""What to do with one due account, decided in one place for the worker and the preview alike.

`decide` reads the account (as `schedule.refresh_schedule` left it), the policy, the instant and the
debtor's calendar, and returns a decision with the rule that explains it; it does no I/O and changes
nothing. The `apply_*` functions move an account on after a decision, the same way for the worker (which
then saves it) and for the preview (which only keeps simulating).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import replace

from . import accounts as acc
from .accounts import Account, PendingThanks, SentRecord
from .closures import excluded_days
from .courtesy import (
    Allow as GuardAllow,
)
from .courtesy import (
    Defer as GuardDefer,
)
from .courtesy import (
    GuardInput,
    balance_rule,
    channel_rule,
    evaluate,
    evaluate_receipt,
    flag_rule,
    open_hours,
)
from .courtesy import (
    Withhold as GuardWithhold,
)
from .early_heads_up import PAYS_ON_TIME, step_offset, withheld_for_good_payer
from .engagement import ENGAGEMENT_TIMING, PAID, Signal, Timing, reading_hours, timing
from .messages import EMAIL
from .notices import FINANCE, Notice, holds_steps, pending_notice
from .payments import KINDLY, SUCCEEDED
from .policies import ESCALATE, Policy, Step
from .schedule import (
    DueStep,
    due_step,
    local_day,
    mark_handled,
    opening_instant,
    recipient_zones,
    refresh_schedule,
)
from .texting_hours import texting_hours_for

if TYPE_CHECKING:  # annotations only: the queue worker never loads every port
    from .ports import HolidayCalendar

THANK_YOU = "thank_you"
AWAITING_REPLY = "awaiting_reply"  # the debtor texted us (domain/sms_replies): a person answers first
POLICY_ESCALATION = "policy_escalation"


class Nothing(Struct, frozen=True):
    """Nothing to do now: `held` (a person decides), `not_yet` (no step has come due)."""

    reason: str


class Send(Struct, frozen=True):
    due: DueStep
    channel: str
    template: str
    at: datetime
    timing: str | None = None  # why now: the debtor's reading hours (engagement.py), when they chose the moment


class Escalate(Struct, frozen=True):
    """Hand the account to a person: the policy's last step, or a vulnerable debtor (`reason`)."""

    due: DueStep
    reason: str
    at: datetime


class Thank(Struct, frozen=True):
    thanks: PendingThanks
    at: datetime


class Notify(Struct, frozen=True):
    """Send a plan, promise or settlement notice (notices.Notice); `rule` says why it is owed."""

    notice: Notice
    rule: str
    at: datetime


class Paused(Struct, frozen=True):
    """A plan or an open promise stops the policy's steps (`rule`), until `until` (None: until the plan ends)."""

    rule: str
    until: datetime | None


class Defer(Struct, frozen=True):
    """Wait until `until` (a time rule). `due` is None for a thank-you or a notice, whose field is then set."""

    rule: str
    until: datetime
    due: DueStep | None = None
    thanks: PendingThanks | None = None
    notice: Notice | None = None
    timing: str | None = None  # for ENGAGEMENT_TIMING: what the debtor's reading hours are and what shows them


class Withhold(Struct, frozen=True):
    """Not sent (a status rule). `holds_step`: the step waits until `resume_at`; otherwise it is spent.
    `due` and `thanks` are both None when nothing is owed any more (the balance rule)."""

    rule: str
    due: DueStep | None = None
    thanks: PendingThanks | None = None
    holds_step: bool = False
    resume_at: datetime | None = None
    notice: Notice | None = None


Decision = Nothing | Send | Escalate | Thank | Notify | Paused | Defer | Withhold


def decide(account: Account, policy: Policy, now: datetime, calendar: HolidayCalendar) -> Decision:
    """What to do for `account` at `now`; the order of the checks is the order of precedence."""
    if account.state == acc.HELD:  # money went back: a person decides, not us
        return Nothing("held")
    thanks = account.pending_thanks
    if thanks is not None and thanks.not_before <= now:
        return _thanks_decision(account, policy, thanks, now, calendar)
    if not account.owes_anything():
        rule = balance_rule(GuardInput(now, EMAIL, ("UTC",), account.balance(), (), None))
        assert rule is not None
        return Withhold(rule.rule)
    notice = pending_notice(account, policy, now)
    if notice is not None:
        return _notice_decision(account, policy, notice, now, calendar)
    hold = holds_steps(account, policy, now)
    if hold is not None:
        return Paused(*hold)
    if account.state == acc.ESCALATED:  # a plan a person agreed has ended: the steps are theirs, not ours
        return Nothing("escalated")
    due = due_step(account, policy, now, reachable_by(account, policy, now, calendar))
    if due is None:
        return Nothing("not_yet")
    if is_vulnerable(account, now):
        # FCA FG21/1: the message that came due is not sent; a person takes the account instead.
        handoff = replace(due, step=Step(due.step.offset_days, action=ESCALATE, template=acc.VULNERABLE))
        return Escalate(handoff, acc.VULNERABLE, now)
    channel = due.step.channel or EMAIL
    if withheld_for_good_payer(account, policy, due.step, recipient_zones(account)[0]):
        return Withhold(PAYS_ON_TIME, due, holds_step=False)  # early_heads_up.py: a good payer needs no heads-up
    waiting = awaiting_reply(account, now)
    if waiting is not None:  # the debtor wrote: a person answers before any automated step
        return Defer(AWAITING_REPLY, first_open(account, policy, channel, waiting, calendar), due)
    if due.step.action == ESCALATE:
        held = flag_rule(guard_input(account, policy, channel, now, calendar))
        if held is not None:
            return Withhold(held.rule, due, holds_step=held.holds_step, resume_at=held.resume_at)
        return Escalate(due, POLICY_ESCALATION, now)
    verdict = evaluate(guard_input(account, policy, channel, now, calendar))
    if isinstance(verdict, GuardWithhold):
        return Withhold(verdict.rule, due, holds_step=verdict.holds_step, resume_at=verdict.resume_at)
    if isinstance(verdict, GuardDefer):
        return Defer(verdict.rule, verdict.until, due)
    when = engagement_timing(account, policy, due, now, calendar)
    if when is not None and when.defer_to is not None:
        return Defer(ENGAGEMENT_TIMING, when.defer_to, due, timing=when.reason)
    return Send(due, channel, due.step.template or "", now, timing=when.reason if when else None)


def _thanks_decision(account: Account, policy: Policy, thanks: PendingThanks, now: datetime,
                     calendar: HolidayCalendar) -> Decision:
    """SPEC 7: a payment is thanked, once per payment. A receipt, not a reminder (courtesy.evaluate_receipt)."""
    verdict = evaluate_receipt(guard_input(account, policy, EMAIL, now, calendar))
    if isinstance(verdict, GuardDefer):
        return Defer(verdict.rule, verdict.until, thanks=thanks)
    if isinstance(verdict, GuardWithhold):
        return Withhold(verdict.rule, thanks=thanks)
    return Thank(thanks, now)


def _notice_decision(account: Account, policy: Policy, notice: Notice, now: datetime, calendar: HolidayCalendar
                     ) -> Decision:
    """A notice to the debtor goes through the courtesy guard like any reminder; one to finance does not."""
    if notice.channel == FINANCE:
        return Notify(notice, notice.rule, now)
    waiting = awaiting_reply(account, now)
    if waiting is not None:
        return Defer(AWAITING_REPLY, first_open(account, policy, notice.channel, waiting, calendar), notice=notice)
    verdict = evaluate(guard_input(account, policy, notice.channel, now, calendar))
    if isinstance(verdict, GuardWithhold):
        return Withhold(verdict.rule, holds_step=verdict.holds_step, resume_at=verdict.resume_at, notice=notice)
    if isinstance(verdict, GuardDefer):
        return Defer(verdict.rule, verdict.until, notice=notice)
    return Notify(notice, notice.rule, now)


# --- the facts the guard needs ------------------------------------------------------------------------

def guard_input(account: Account, policy: Policy, channel: str, now: datetime, calendar: HolidayCalendar) -> GuardInput:
    """What the courtesy guard needs to know about this account, for a message on `channel` at `now`."""
    zones = recipient_zones(account)
    inp = GuardInput(
        at=now,
        channel=channel,
        zones=zones,
        balance=account.balance(),
        holding_flags=tuple((f.name, f.until) for f in account.holding_flags(local_day(now, zones))),
        address=account.email if channel == EMAIL else account.phone,
        email_suppressed=account.email_suppressed,
        sms_consent=account.sms_consent is not None,
        sms_opted_out=account.sms_opted_out,
        recent_sends=tuple(account.recent_sends),
        window=policy.send_window,
        caps=policy.caps,
        is_holiday=calendar(account.country, account.region),
        preferred_hours=account.preferred_hours,
        excluded_days=excluded_days(calendar),
        texting_hours=texting_hours_for(account.country, account.region),
    )
    opening, closing = open_hours(inp)
    if opening >= closing:  # the debtor's hours and the policy's window no longer meet: the policy's alone
        return replace(inp, preferred_hours=None)
    return inp


def engagement_timing(account: Account, policy: Policy, due: DueStep, now: datetime, calendar: HolidayCalendar
                      ) -> Timing | None:
    """For an email step the guard allows now: send it now or at the debtor's reading hours (engagement.py);
    None when there is not enough signal, or the debtor's zone is not known (their hours are local hours)."""
    if (due.step.channel or EMAIL) != EMAIL or not account.timezone:
        return None
    hours = reading_hours(signals_of(account), account.timezone, now)

    def allowed(at: datetime) -> bool:
        return isinstance(evaluate(guard_input(account, policy, EMAIL, at, calendar)), GuardAllow)

    zones = recipient_zones(account)
    step_day = due.due_on + timedelta(days=step_offset(account, policy, due.step, zones[0]))
    return timing(hours, account.timezone, now, allowed, opening_instant(step_day, zones, policy))


def signals_of(account: Account) -> list[Signal]:
    """The moments the debtor read or acted: opens, clicks and page visits kept on the account, and payments."""
    paid = [Signal(p.at, PAID) for p in account.payments if p.kind == SUCCEEDED and p.provider != KINDLY]
    return [*account.engagement, *paid]


def awaiting_reply(account: Account, now: datetime) -> datetime | None:
    """Until when automated messages wait after the debtor's text (sms_replies.reply_wait_until), if they do."""
    until = account.awaiting_reply_until
    return until if until is not None and now < until else None


def first_open(account: Account, policy: Policy, channel: str, at: datetime, calendar: HolidayCalendar) -> datetime:
    """The first instant from `at` the time rules allow a message on `channel` (so a wait that ends at midnight
    names the morning it really ends, and the preview shows why the message moved)."""
    verdict = evaluate(guard_input(account, policy, channel, at, calendar))
    return verdict.until if isinstance(verdict, GuardDefer) else at


def is_vulnerable(account: Account, now: datetime) -> bool:
    return any(flag.name == acc.VULNERABLE for flag in account.holding_flags(local_day(now, recipient_zones(account))))


def reachable_by(account: Account, policy: Policy, now: datetime, calendar: HolidayCalendar) -> Callable[[Step], bool]:
    """Whether a step's channel can reach this debtor at all (address, consent, no opt-out); actions always can.
    Asked once per channel: every step that came due asks, and the account does not change while they do."""
    answers: dict[str, bool] = {}

    def reachable(step: Step) -> bool:
        if step.action is not None:
            return True
        channel = step.channel or EMAIL
        if channel not in answers:
            answers[channel] = channel_rule(guard_input(account, policy, channel, now, calendar)) is None
        return answers[channel]
    return reachable


# --- moving the account on after a decision -----------------------------------------------------------

def skip_superseded(account: Account, policy: Policy, due: DueStep) -> None:
    """Earlier steps that came due together are spent: never sent, even if the chosen one waits."""
    if due.superseded:
        mark_handled(account, policy, max(due.superseded))


def apply_withheld(account: Account, policy: Policy, withheld: Withhold) -> None:
    """A reminder step withheld: it waits (a pause) or is spent (no way to reach the debtor)."""
    assert withheld.due is not None
    if withheld.holds_step:
        account.next_action_at = withheld.resume_at
        account.state = acc.PAUSED
    else:
        mark_handled(account, policy, withheld.due.index)
        refresh_schedule(account, policy)


def apply_delivered(account: Account, policy: Policy, due: DueStep, msg_id: str, now: datetime) -> None:
    """A step carried out: the cycle moves on; an escalation ends the automated reminders."""
    mark_handled(account, policy, due.index)
    if due.step.action == ESCALATE:
        account.state = acc.ESCALATED
    else:
        remember_send(account, due.step.channel or EMAIL, msg_id, now)
    refresh_schedule(account, policy)


def remember_send(account: Account, channel: str, msg_id: str, now: datetime) -> None:
    """Keep the last week's sends on the account, so the caps need no extra read."""
    week_ago = now - timedelta(days=7)
    account.recent_sends = [s for s in account.recent_sends if s.at > week_ago] + [SentRecord(now, channel, msg_id)]
