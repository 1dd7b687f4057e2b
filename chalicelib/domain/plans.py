"""Payment plans: which instalment dates and amounts a plan request gets within the policy's limits, and how a
plan moves as money comes in and goes back, instalments are missed, and it completes, breaks or is cancelled.

Pure: the caller passes the day (in the debtor's zone), what is owed and the debtor's public holidays.
Interest-free: the instalments always sum exactly to what is owed in the plan's currency.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from .accounts import Account
from .errors import Conflict, InvalidInput
from .policies import DEFAULT_GRACE_DAYS, DEFAULT_MAX_MONTHS, FREQUENCIES, Policy
from .schedule import local_day, recipient_zones
from .times import iso

WEEKLY, FORTNIGHTLY, MONTHLY, LAST_WORKING_DAY = FREQUENCIES
MIN_INSTALMENTS = 2  # one payment later is a promise to pay (promises.py), not a plan
SATURDAY_SUNDAY = frozenset({5, 6})
MONTHS_WITHOUT_WORK = 12  # a calendar with no working day for this long is broken, not a plan to follow

# Plan statuses.
ACTIVE, COMPLETED, BROKEN, CANCELLED = "active", "completed", "broken", "cancelled"
PLAN_STATUSES = (ACTIVE, COMPLETED, BROKEN, CANCELLED)
ENDED = (BROKEN, CANCELLED)  # nothing moves a plan out of these
# Instalment statuses.
DUE, PAID, MISSED = "due", "paid", "missed"
INSTALMENT_STATUSES = (DUE, PAID, MISSED)
MISSES_TO_BREAK = 2
CREATORS = ("tenant", "debtor")

IsHoliday = Callable[[date], bool]


def _no_holidays(_day: date) -> bool:
    return False


# --- the policy's limits ------------------------------------------------------------------------------

class PlanLimits(Struct, frozen=True):
    max_instalments: int = 6
    min_instalment: int = 1000  # minor units of the plan's currency
    frequencies: tuple[str, ...] = (WEEKLY, FORTNIGHTLY, MONTHLY)
    max_months: int = DEFAULT_MAX_MONTHS
    grace_days: int = DEFAULT_GRACE_DAYS

    @classmethod
    def of(cls, policy: Policy) -> PlanLimits:
        """The policy's `plans`; a limit a stored policy predates reads as its default."""
        plans = policy.plans
        default = cls()
        return cls(
            max_instalments=int(plans.get("max_instalments", default.max_instalments)),
            min_instalment=int(plans.get("min_instalment", default.min_instalment)),
            frequencies=tuple(plans.get("frequencies", default.frequencies)),
            max_months=int(plans.get("max_months", default.max_months)),
            grace_days=int(plans.get("grace_days", default.grace_days)),
        )


# --- dates ---------------------------------------------------------------------------------------------

def add_months(day: date, months: int, on_day: int | None = None) -> date:
    """`on_day` (default `day`'s) of the month `months` later, or that month's last day when it is shorter."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(on_day or day.day, last))


def last_working_day(year: int, month: int, is_holiday: IsHoliday,
                     weekend: frozenset[int] = SATURDAY_SUNDAY) -> date | None:
    """The month's last day that is neither a weekend day nor a public holiday (None if it has none)."""
    day = date(year, month, calendar.monthrange(year, month)[1])
    while day.month == month:
        if day.weekday() not in weekend and not is_holiday(day):
            return day
        day -= timedelta(days=1)
    return None


def due_dates(frequency: str, first_on: date, is_holiday: IsHoliday = _no_holidays,
              weekend: frozenset[int] = SATURDAY_SUNDAY) -> Iterator[date]:
    """Every instalment date of a frequency from `first_on`, in order, none before `first_on`.

    Weekly and fortnightly keep `first_on`'s weekday; monthly keeps its day of the month (clamped to short
    months, and back to the day after them: 31 Jan, 28 Feb, 31 Mar); last_working_day starts in `first_on`'s
    month when its last working day is not before `first_on`, and skips a month that has no working day.
    """
    if frequency in (WEEKLY, FORTNIGHTLY):
        step = timedelta(days=7 if frequency == WEEKLY else 14)
        day = first_on
        while True:
            yield day
            day += step
    elif frequency == MONTHLY:
        months = 0
        while True:
            yield add_months(first_on, months)
            months += 1
    elif frequency == LAST_WORKING_DAY:
        months, idle = 0, 0
        while idle <= MONTHS_WITHOUT_WORK:
            month = add_months(first_on.replace(day=1), months)
            months += 1
            payday = last_working_day(month.year, month.month, is_holiday, weekend)
            idle = idle + 1 if payday is None else 0
            if payday is not None and payday >= first_on:
                yield payday
        raise InvalidInput("the debtor's calendar has no working day for a year", "frequency")
    else:
        raise InvalidInput(f"frequency must be one of {', '.join(FREQUENCIES)}", "frequency")


# --- amounts -------------------------------------------------------------------------------------------

def split(total: int, count: int) -> list[int]:
    """`count` amounts summing exactly to `total` minor units; what does not divide evenly goes one minor unit
    each to the earliest."""
    if count < 1 or total < 0:
        raise ValueError("split needs a positive count and a total of zero or more")
    base, remainder = divmod(total, count)
    return [base + 1 if i < remainder else base for i in range(count)]


# --- the request and its quote ------------------------------------------------------------------------

class PlanRequest(Struct, frozen=True):
    frequency: str
    instalments: int
    first_on: date
    currency: str | None = None  # None: the one currency the account owes in


class QuotedInstalment(Struct, frozen=True):
    n: int
    due_on: date
    amount: int

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "due_on": self.due_on.isoformat(), "amount": self.amount}


class Quote(Struct, frozen=True):
    currency: str
    total: int
    instalments: tuple[QuotedInstalment, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"currency": self.currency, "total": self.total,
                "instalments": [inst.to_dict() for inst in self.instalments]}


def plan_currency(requested: str | None, owed: Mapping[str, int]) -> tuple[str, int]:
    """The currency the plan is in and what is owed in it; InvalidInput naming `currency` otherwise."""
    owing = {currency: amount for currency, amount in owed.items() if amount > 0}
    if requested is None:
        if len(owing) != 1:
            raise InvalidInput("the account owes in several currencies: say which one the plan is for"
                               if owing else "the account owes nothing, so there is nothing to plan", "currency")
        return next(iter(owing.items()))
    if requested not in owing:
        raise InvalidInput(f"the account owes nothing in {requested}", "currency")
    return requested, owing[requested]


def quote(request: PlanRequest, owed: Mapping[str, int], limits: PlanLimits, today: date,
          is_holiday: IsHoliday = _no_holidays, weekend: frozenset[int] = SATURDAY_SUNDAY) -> Quote:
    """The instalments for a request, or InvalidInput naming the field that falls outside the policy.

    `today` is the debtor's local day; `owed` what the account owes per currency; `is_holiday` the debtor's
    public holidays (country and region). The last instalment falls at most `max_months` after today.
    """
    if request.frequency not in FREQUENCIES:
        raise InvalidInput(f"frequency must be one of {', '.join(FREQUENCIES)}", "frequency")
    if request.frequency not in limits.frequencies:
        raise InvalidInput(f"this account's plans may be {', '.join(limits.frequencies)}", "frequency")
    currency, total = plan_currency(request.currency, owed)
    count = request.instalments
    if not MIN_INSTALMENTS <= count <= limits.max_instalments:
        raise InvalidInput(f"instalments must be between {MIN_INSTALMENTS} and {limits.max_instalments}",
                           "instalments")
    if total // count < limits.min_instalment:
        most = total // limits.min_instalment
        raise InvalidInput(
            f"each instalment must be at least {limits.min_instalment} (minor units of {currency}): "
            + (f"at most {most} instalments for this balance" if most >= MIN_INSTALMENTS
               else "this balance is too small to split"), "instalments")
    if request.first_on < today:
        raise InvalidInput("first_on must not be in the past", "first_on")
    latest = add_months(today, limits.max_months)
    if request.first_on > latest:
        raise InvalidInput(f"first_on must be within {limits.max_months} months", "first_on")
    dates = due_dates(request.frequency, request.first_on, is_holiday, weekend)
    days = [next(dates) for _ in range(count)]
    if days[-1] > latest:
        raise InvalidInput(f"the last instalment would fall on {days[-1].isoformat()}, more than "
                           f"{limits.max_months} months away: ask for fewer instalments or an earlier first_on",
                           "instalments")
    amounts = split(total, count)
    return Quote(currency, total, tuple(QuotedInstalment(n, day, amount)
                                        for n, (day, amount) in enumerate(zip(days, amounts, strict=True), 1)))


# --- the plan and its life -----------------------------------------------------------------------------

class Instalment(Struct, frozen=True):
    n: int
    due_on: date
    amount: int
    paid: int = 0
    status: str = DUE

    @property
    def unpaid(self) -> int:
        return self.amount - self.paid

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "due_on": self.due_on.isoformat(), "amount": self.amount, "paid": self.paid,
                "status": self.status}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instalment:
        status = str(data["status"])
        if status not in INSTALMENT_STATUSES:
            raise ValueError(f"unknown instalment status {status!r}")
        return cls(int(data["n"]), date.fromisoformat(data["due_on"]), int(data["amount"]), int(data["paid"]),
                   status)


class Plan(Struct, frozen=True):
    status: str
    currency: str
    total: int
    frequency: str
    created_by: str  # "tenant" | "debtor"
    created_at: datetime
    instalments: tuple[Instalment, ...]

    @property
    def paid(self) -> int:
        return sum(inst.paid for inst in self.instalments)

    @property
    def outstanding(self) -> int:
        return self.total - self.paid

    def next_due(self) -> Instalment | None:
        """The earliest instalment not yet paid in full: the one a payment goes to, and reminders name."""
        return next((inst for inst in self.instalments if inst.unpaid > 0), None)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "currency": self.currency, "total": self.total,
                "frequency": self.frequency, "created_by": self.created_by, "created_at": iso(self.created_at),
                "instalments": [inst.to_dict() for inst in self.instalments]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        status = str(data["status"])
        if status not in PLAN_STATUSES:
            raise ValueError(f"unknown plan status {status!r}")
        return cls(status, str(data["currency"]), int(data["total"]), str(data["frequency"]),
                   str(data["created_by"]), datetime.fromisoformat(data["created_at"]),
                   tuple(Instalment.from_dict(inst) for inst in data["instalments"]))


def quote_for_account(request: PlanRequest, account: Account, policy: Policy, at: datetime,
                      is_holiday: IsHoliday = _no_holidays) -> Quote:
    """The quote for an account: what it owes now and no dispute holds, on the debtor's local day at `at`."""
    return quote(request, account.undisputed_balance(), PlanLimits.of(policy), local_day(at, recipient_zones(account)),
                 is_holiday)


def start_plan(quoted: Quote, frequency: str, created_by: str, created_at: datetime) -> Plan:
    if created_by not in CREATORS:
        raise ValueError(f"created_by must be one of {', '.join(CREATORS)}")
    return Plan(ACTIVE, quoted.currency, quoted.total, frequency, created_by, created_at,
                tuple(Instalment(q.n, q.due_on, q.amount) for q in quoted.instalments))


def _with_paid_total(plan: Plan, paid_total: int) -> Plan:
    """The plan with `paid_total` spread over its instalments, earliest first. A fully paid instalment is paid
    (a missed one too: the debtor caught up); one reopened by a refund is due again until the next
    `mark_missed`; a partly paid missed one stays missed."""
    left = paid_total
    instalments = []
    for inst in plan.instalments:
        paid = min(left, inst.amount)
        left -= paid
        status = PAID if paid == inst.amount else (MISSED if inst.status == MISSED else DUE)
        instalments.append(replace(inst, paid=paid, status=status))
    settled = all(inst.status == PAID for inst in instalments)
    return replace(plan, instalments=tuple(instalments), status=COMPLETED if settled else ACTIVE)


def paid_through_plans(earlier: Mapping[str, int], replaced: Plan | None) -> dict[str, int]:
    """What plans on an account collected before a new one replaces `replaced`, per currency: the figures
    count money recovered through every plan the account ever had, not only its current one."""
    totals = dict(earlier)
    if replaced is not None and replaced.paid:
        totals[replaced.currency] = totals.get(replaced.currency, 0) + replaced.paid
    return totals


def apply_payment(plan: Plan, amount: int) -> tuple[Plan, int]:
    """Money paid in the plan's currency, earliest unpaid instalment first, early or late, in part or in full.

    Returns the plan and what it did not take: the over-payment beyond what the plan still expects (which
    completes it), or the whole amount when the plan was broken or cancelled. That money stays on the
    account's ledger, where it lowers what is owed elsewhere or shows as a credit; the plan never holds it.
    """
    if amount < 0:
        raise ValueError("a payment is not negative: use refund()")
    if plan.status in ENDED:
        return plan, amount
    taken = min(amount, plan.outstanding)
    return _with_paid_total(plan, plan.paid + taken), amount - taken


def refund(plan: Plan, amount: int) -> tuple[Plan, int]:
    """Money sent back (refund or chargeback): the latest paid instalments reopen first, and a completed plan
    is active again. Returns the plan and the part of `amount` the plan had not received (money paid before
    the plan, or a plan that is broken or cancelled, which keeps its figures as they were when it ended)."""
    if amount < 0:
        raise ValueError("a refund is not negative")
    if plan.status in ENDED:
        return plan, amount
    reversed_ = min(amount, plan.paid)
    return _with_paid_total(plan, plan.paid - reversed_), amount - reversed_


def missed_after(inst: Instalment, grace_days: int) -> date:
    """The last day an instalment can be paid before it counts as missed."""
    return inst.due_on + timedelta(days=grace_days)


def mark_missed(plan: Plan, today: date, grace_days: int) -> Plan:
    """Instalments still unpaid after their date plus `grace_days` are missed; with two missed at once (the
    debtor did not catch up on the first) the plan breaks and the policy's schedule resumes."""
    if plan.status != ACTIVE:
        return plan
    instalments = tuple(
        replace(inst, status=MISSED) if inst.unpaid > 0 and today > missed_after(inst, grace_days) else inst
        for inst in plan.instalments)
    missed = sum(1 for inst in instalments if inst.status == MISSED)
    return replace(plan, instalments=instalments, status=BROKEN if missed >= MISSES_TO_BREAK else ACTIVE)


def cancel(plan: Plan) -> Plan:
    """Cancel an active plan (again: no change). A completed or broken plan has already ended."""
    if plan.status == CANCELLED:
        return plan
    if plan.status != ACTIVE:
        raise Conflict(f"the plan is {plan.status} and can no longer be cancelled", "plan")
    return replace(plan, status=CANCELLED)
