"""What a payment plan, a promise to pay or a settlement offer asks of the worker (issue 9): the changes time
brings to them (an instalment missed, a plan broken, a promise lapsed, an offer made or lapsed), the one-off
messages they call for, and when the account must next be woken for them.

Pure: `advance` changes the account it is given and returns the audit events to record with it; the rest only
reads. Each notice is sent once: `Account.plan_notices` maps a notice's key to the identity of what it was
about (the plan's `created_at`, the promise's, the offer's last day), so a new plan gets its own notices.

How the policy's steps resume after a broken plan or a lapsed promise, never from the start: they keep their
calendar (counted from the oldest open invoice's due date) and the progress made before the arrangement. The
notice that ends the arrangement (`plan_ended`, or the one follow-up after a broken promise) stands in for the
message steps whose day came while it held, so the debtor gets that one courteous message, not a burst of old
reminders; the schedule goes on with the next step whose day is still to come. An escalation whose day has come
is never skipped: a person takes the account.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from .accounts import ESCALATED, Account
from .messages import EMAIL
from .policies import DEFAULT_GRACE_DAYS, DEFAULT_HEADS_UP_DAYS, Policy
from .schedule import due_step, local_day, mark_handled, opening_instant, recipient_zones
from .settlement import SettlementTerms, lapsed, offer_for_account
from .times import iso

if TYPE_CHECKING:
    from .plans import Instalment, Plan

# The plan and promise rules (`from . import plans as pl`, `promises as pr`) are imported where an account has a
# plan or a promise: most reminders have neither, and the queue worker's cold start skips those modules.

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FINANCE = "finance"  # a notice for the finance team (a hand-over), not for the debtor

# Notice kinds: the template of the message, or the finance event of a hand-over.
PLAN_CONFIRMED = "plan_confirmed"
HEADS_UP = "instalment_heads_up"
MISSED = "instalment_missed"
PLAN_ENDED = "plan_ended"
PLAN_BROKEN = "plan_broken"
PROMISE_FOLLOW_UP = "promise_missed"  # the one kind follow-up after a broken promise, naming it
SETTLEMENT_OFFER = "settlement_offer"
SETTLEMENT_CONFIRMED = "settlement_confirmed"
SETTLEMENT_LAPSED = "settlement_lapsed"  # audited once, sends nothing

# Why a notice is owed: kind -> (rule, source), like courtesy.FLAG_RULES.
RULES = {
    PLAN_CONFIRMED: ("plan_created", "issue 9: the debtor is sent the plan they agreed, once"),
    HEADS_UP: ("instalment_coming", "issue 9: a heads-up a few days before each instalment"),
    MISSED: ("instalment_missed", "issue 9: one kind nudge per instalment unpaid after its grace days"),
    PLAN_ENDED: ("plan_broken", "issue 9: the second missed instalment ends the plan, said courteously"),
    PLAN_BROKEN: ("plan_broken", "issue 9: finance is told when a plan breaks"),
    PROMISE_FOLLOW_UP: ("promise_broken", "issue 9: one kind follow-up after a broken promise, then the steps"),
    SETTLEMENT_OFFER: ("settlement_offered", "issue 9: the policy's settlement, offer_after_days overdue"),
    SETTLEMENT_CONFIRMED: ("settlement_accepted", "issue 9: the terms the debtor accepted, sent once"),
}
# Why the policy's steps wait (issue 9: "while a plan is active the dunning steps stop"; a promise pauses them
# to its date plus the grace days).
PLAN_ACTIVE = "plan_active"  # the policy's steps stop while a plan holds
PROMISE_OPEN = "promise_open"  # ... and while an open promise holds, to its date plus the grace days


class Notice(Struct, frozen=True):
    """A one-off message (or finance hand-over) an arrangement calls for. `key` names it in `plan_notices`,
    `about` is the identity of what it is about; together they make it once-only."""

    kind: str
    key: str
    about: str
    channel: str = EMAIL

    @property
    def rule(self) -> str:
        return RULES[self.kind][0]


def heads_up_days(policy: Policy) -> int:
    return int(policy.plans.get("heads_up_days", DEFAULT_HEADS_UP_DAYS))


def grace_days(policy: Policy) -> int:
    return int(policy.plans.get("grace_days", DEFAULT_GRACE_DAYS))


def _sent(account: Account, key: str, about: str) -> bool:
    return account.plan_notices.get(key) == about


def mark_sent(account: Account, notice: Notice) -> None:
    account.plan_notices = {**account.plan_notices, notice.key: notice.about}


def notice_spent(account: Account, policy: Policy, notice: Notice, now: datetime) -> None:
    """A notice went out (or cannot): never again. The one that ends an arrangement (plan_ended, the promise's
    follow-up) stands in for the message steps whose day came while it held; an escalation is never skipped."""
    mark_sent(account, notice)
    if notice.kind not in (PLAN_ENDED, PROMISE_FOLLOW_UP):
        return
    due = due_step(account, policy, now)
    if due is None:
        return
    passed = [i for i in (*due.superseded, due.index) if policy.steps[i].action is None]
    if passed:
        mark_handled(account, policy, max(passed))


def unmark_sent(account: Account, notice: Notice) -> None:
    account.plan_notices = {k: v for k, v in account.plan_notices.items() if k != notice.key}


# --- what time does to the arrangements -----------------------------------------------------------------

def advance(account: Account, policy: Policy, now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Bring the plan, the promise and the settlement offer up to `now` (the debtor's local day); returns the
    audit events (type, details) for what changed. Held accounts are left to a person."""
    today = local_day(now, recipient_zones(account))
    events: list[tuple[str, dict[str, Any]]] = []
    plan = account.plan
    if plan is not None and _plan_holds(account):
        from . import plans as pl

        moved = pl.mark_missed(plan, today, grace_days(policy))
        for before, after in zip(plan.instalments, moved.instalments, strict=True):
            if before.status != pl.MISSED and after.status == pl.MISSED:
                events.append(("instalment_missed", {"n": after.n, "due_on": after.due_on.isoformat(),
                                                     "unpaid": after.unpaid, "currency": plan.currency}))
        if moved.status == pl.BROKEN:
            events.append(("plan_broken", {"missed": sum(i.status == pl.MISSED for i in moved.instalments),
                                           "paid": moved.paid, "outstanding": moved.outstanding,
                                           "currency": moved.currency}))
        account.plan = moved
    promise = account.promise
    if promise is not None:
        from . import promises as pr

        lapsed_promise = pr.lapse(promise, today, grace_days(policy))
        if lapsed_promise.status != promise.status:
            events.append(("promise_broken", {"by": promise.by.isoformat(), "amount": promise.amount,
                                              "paid": promise.paid, "currency": promise.currency}))
            account.promise = lapsed_promise
    offer = account.settlement_offer
    if offer is None and not _plan_holds(account) and account.state != ESCALATED:
        made = offer_for_account(account, policy, now)
        if made is not None:
            account.settlement_offer = made
            events.append(("settlement_offered", {"amount": made.amount, "currency": made.currency,
                                                  "valid_until": made.valid_until.isoformat()}))
    elif offer is not None and offer.accepted_at is None and lapsed(offer, today, account.undisputed_balance()) \
            and not _sent(account, SETTLEMENT_LAPSED, offer.valid_until.isoformat()):
        account.plan_notices = {**account.plan_notices, SETTLEMENT_LAPSED: offer.valid_until.isoformat()}
        events.append(("settlement_lapsed", {"valid_until": offer.valid_until.isoformat(),
                                             "currency": offer.currency}))
    return events


def _plan_holds(account: Account) -> bool:
    if account.plan is None:
        return False
    from . import plans as pl

    return account.plan.status == pl.ACTIVE


# --- what they ask to be sent ------------------------------------------------------------------------------

def pending_notice(account: Account, policy: Policy, now: datetime) -> Notice | None:
    """The next one-off notice owed at `now`, most urgent first (the finance hand-over before the debtor's)."""
    return next(iter(_owed(account, policy, local_day(now, recipient_zones(account)))), None)


def _owed(account: Account, policy: Policy, today: date) -> list[Notice]:
    notices: list[Notice] = []
    plan = account.plan
    if plan is not None:
        from . import plans as pl

        made = iso(plan.created_at)
        if plan.status == pl.BROKEN:
            notices += [Notice(PLAN_BROKEN, PLAN_BROKEN, made, FINANCE), Notice(PLAN_ENDED, PLAN_ENDED, made)]
        if plan.status == pl.ACTIVE:
            notices.append(Notice(PLAN_CONFIRMED, PLAN_CONFIRMED, made))
            missed = [i for i in plan.instalments if i.status == pl.MISSED and i.unpaid > 0]
            notices += [Notice(MISSED, f"{MISSED}:{i.n}", made) for i in missed[-1:]]
            upcoming = heads_up_instalment(plan, today, heads_up_days(policy))
            if upcoming is not None:
                notices.append(Notice(HEADS_UP, f"{HEADS_UP}:{upcoming.n}", made))
    promise = account.promise
    if promise is not None:
        from . import promises as pr

        if promise.status == pr.BROKEN and account.owes_anything():
            notices.append(Notice(PROMISE_FOLLOW_UP, "promise_broken", iso(promise.created_at)))
    offer = account.settlement_offer
    if offer is not None:
        if offer.accepted_at is not None:
            notices.append(Notice(SETTLEMENT_CONFIRMED, SETTLEMENT_CONFIRMED, iso(offer.accepted_at)))
        elif not lapsed(offer, today, account.undisputed_balance()) and not _plan_holds(account):
            notices.append(Notice(SETTLEMENT_OFFER, SETTLEMENT_OFFER, offer.valid_until.isoformat()))
    return [n for n in notices if not _sent(account, n.key, n.about)]


def heads_up_instalment(plan: Plan, today: date, days: int) -> Instalment | None:
    """The instalment whose heads-up is due on `today`: the next one unpaid and not yet missed, from `days`
    before its date to the date itself. An instalment due within `days` of the plan's making gets none: the
    confirmation named it."""
    from . import plans as pl

    upcoming = next((i for i in plan.instalments if i.unpaid > 0 and i.status == pl.DUE), None)
    if upcoming is None:
        return None
    if upcoming.due_on - timedelta(days=days) <= plan.created_at.date():
        return None
    return upcoming if upcoming.due_on - timedelta(days=days) <= today <= upcoming.due_on else None


# --- when the account must be woken for them ---------------------------------------------------------------

def holds_steps(account: Account, policy: Policy, now: datetime) -> tuple[str, datetime | None] | None:
    """Whether an arrangement stops the policy's steps at `now`: (rule, until) or None. A plan holds while
    active (until it ends: no date); an open promise to its date plus the grace days."""
    if _plan_holds(account):
        return PLAN_ACTIVE, None
    promise = account.promise
    days = grace_days(policy)
    if promise is not None and promise.holds_on(local_day(now, recipient_zones(account)), days):
        return PROMISE_OPEN, _after(promise.paused_until(days), account, policy)
    return None


def steps_paused(account: Account, policy: Policy) -> tuple[bool, datetime | None]:
    """Whether an arrangement stops the policy's steps, and until when (None: until the plan ends)."""
    if _plan_holds(account):
        return True, None
    promise = account.promise
    if promise is not None:
        from . import promises as pr

        if promise.status == pr.OPEN:
            return True, _after(promise.paused_until(grace_days(policy)), account, policy)
    return False, None


def wake_times(account: Account, policy: Policy) -> list[datetime]:
    """Every instant something may change for an arrangement: a notice owed, an instalment's heads-up or grace
    end, a promise's end, a settlement offer coming due or lapsing."""
    times: list[datetime] = []
    if _owed(account, policy, date.min):  # a notice owed whatever the day: as soon as possible
        times.append(account.updated_at or EPOCH)
    plan = account.plan
    days = grace_days(policy)
    if plan is not None and _plan_holds(account):
        from . import plans as pl

        made = iso(plan.created_at)
        coming = [i for i in plan.instalments if i.unpaid > 0 and i.status == pl.DUE]
        ahead = timedelta(days=heads_up_days(policy))
        times += [opening_instant(i.due_on - ahead, recipient_zones(account), policy) for i in coming[:1]
                  if not _sent(account, f"{HEADS_UP}:{i.n}", made) and i.due_on - ahead > plan.created_at.date()]
        times += [_after(pl.missed_after(i, days), account, policy) for i in coming[:1]]
    promise = account.promise
    if promise is not None:
        from . import promises as pr

        if promise.status == pr.OPEN:
            times.append(_after(promise.paused_until(days), account, policy))
    offer = account.settlement_offer
    if offer is None and account.state != ESCALATED and SettlementTerms.of(policy) is not None \
            and (anchor := account.anchor()) is not None:
        terms = SettlementTerms.of(policy)
        assert terms is not None
        times.append(opening_instant(anchor[1] + timedelta(days=terms.offer_after_days), recipient_zones(account),
                                     policy))
    elif offer is not None and offer.accepted_at is None:
        times.append(_after(offer.valid_until, account, policy))
    return times


def _after(day: date, account: Account, policy: Policy) -> datetime:
    """The first moment a message may go out on the day after `day`."""
    return opening_instant(day + timedelta(days=1), recipient_zones(account), policy)

