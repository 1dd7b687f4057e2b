"""What the debtor's page shows of plans, promises and settlement offers, and how it reads their forms.

The page quotes a plan, then confirms it with the quoted terms in the form: on confirmation the plan is quoted
again server-side and the terms must match, so dates or amounts edited in the browser create nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.domain import accounts as acc
from chalicelib.domain import plans
from chalicelib.domain.accounts import Account
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.offers import plan_possible, settlement_stands
from chalicelib.domain.plans import PlanLimits, PlanRequest, Quote, QuotedInstalment, add_months
from chalicelib.domain.policies import FREQUENCIES, Policy
from chalicelib.domain.promises import OPEN, PromiseLimits
from chalicelib.domain.schedule import local_day, recipient_zones
from chalicelib.domain.settlement import lapsed

MAX_FORM_INSTALMENTS = 100


def can_arrange(account: Account, today: date) -> bool:
    """Plans and promises are for an account that owes, is neither held nor escalated, and is not disputed."""
    disputed = any(flag.name == "dispute" for flag in account.holding_flags(today))
    return account.owes_anything() and account.state not in (acc.HELD, acc.ESCALATED, acc.SETTLED) \
        and not disputed


def arrangements(account: Account, policy: Policy, now: datetime) -> dict[str, Any]:
    """The plan, promise and settlement parts of the page, as plain values for the template."""
    today = local_day(now, recipient_zones(account))
    owing = {currency: amount for currency, amount in account.balance().items() if amount > 0}
    limits = PlanLimits.of(policy)
    active_plan = account.plan if account.plan is not None and account.plan.status == plans.ACTIVE else None
    open_promise = account.promise if account.promise is not None and account.promise.status == OPEN else None
    arrangeable = can_arrange(account, today)
    promise_limits = PromiseLimits.of(policy)
    offer = account.settlement_offer
    offer_stands = offer is not None and not lapsed(offer, today, account.balance()) and account.owes_anything()
    pay_urls = [url for inv in account.open_invoices() if (url := account.pay_url(inv))]
    return {
        "today": today.isoformat(),
        "plan": _plan(active_plan, pay_urls[0] if pay_urls else None) if active_plan else None,
        "can_plan": arrangeable and active_plan is None and plan_possible(owing.values(), policy.plans),
        "plan_frequencies": list(limits.frequencies),
        "plan_max_instalments": limits.max_instalments,
        "plan_latest_first": add_months(today, limits.max_months).isoformat(),
        "currencies": sorted(owing),
        "promise": {"amount": open_promise.amount, "currency": open_promise.currency, "by": open_promise.by}
        if open_promise else None,
        "can_promise": arrangeable and open_promise is None and active_plan is None,
        "promise_latest": (today + timedelta(days=promise_limits.max_days)).isoformat(),
        "settlement": {"amount": offer.amount, "currency": offer.currency, "valid_until": offer.valid_until,
                       "accepted": offer.accepted_at is not None} if offer is not None and offer_stands else None,
        "can_settle": offer is not None and settlement_stands(offer, today) and offer_stands,
    }


def _plan(plan: plans.Plan, pay_url: str | None) -> dict[str, Any]:
    next_due = plan.next_due()
    return {
        "currency": plan.currency, "total": plan.total, "paid": plan.paid, "outstanding": plan.outstanding,
        "frequency": plan.frequency, "pay_url": pay_url,
        "next": {"due_on": next_due.due_on, "amount": next_due.unpaid} if next_due else None,
        "instalments": [{"n": inst.n, "due_on": inst.due_on, "amount": inst.amount, "paid": inst.paid,
                         "status": inst.status} for inst in plan.instalments],
    }


# --- reading the forms --------------------------------------------------------------------------------------

def plan_request(form: dict[str, str]) -> PlanRequest:
    """The plan form's choices; InvalidInput naming the field a debtor could have got wrong."""
    frequency = form.get("frequency", "")
    if frequency not in FREQUENCIES:
        raise InvalidInput("choose how often to pay", "frequency")
    try:
        count = int(form.get("instalments", "").strip())
    except ValueError as exc:
        raise InvalidInput("the number of payments must be a whole number", "instalments") from exc
    if not 1 <= count <= MAX_FORM_INSTALMENTS:
        raise InvalidInput("the number of payments is outside what can be offered", "instalments")
    try:
        first_on = date.fromisoformat(form.get("first_on", "").strip())
    except ValueError as exc:
        raise InvalidInput("the first date must be a date", "first_on") from exc
    currency = form.get("currency") or None
    return PlanRequest(frequency, count, first_on, currency)


def terms_of(quoted: Quote) -> str:
    """The quoted terms as the confirmation form carries them: every date and amount, in one string."""
    lines = ",".join(f"{inst.due_on.isoformat()}={inst.amount}" for inst in quoted.instalments)
    return f"{quoted.currency}:{quoted.total}:{lines}"


def same_terms(form: dict[str, str], quoted: Quote) -> bool:
    return form.get("terms", "") == terms_of(quoted)


def replayed(form: dict[str, str], plan: plans.Plan | None) -> bool:
    """The form confirms exactly the active plan: a replay of the confirmation that made it."""
    if plan is None or plan.status != plans.ACTIVE:
        return False
    made = Quote(plan.currency, plan.total,
                 tuple(QuotedInstalment(i.n, i.due_on, i.amount) for i in plan.instalments))
    return same_terms(form, made)


def promise_form(form: dict[str, str], owing: dict[str, int]) -> tuple[int, str, date]:
    """"I will pay X by this date": the amount as the debtor typed it (in major units, "50", "50.00" or
    "50,00") turned into minor units of the currency; InvalidInput naming `amount` or `by`."""
    currency = form.get("currency") or (next(iter(owing)) if len(owing) == 1 else "")
    if currency not in owing:
        raise InvalidInput("choose the currency you owe in", "currency")
    text = form.get("amount", "").strip().replace("\u00a0", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        major = Decimal(text)
    except InvalidOperation as exc:
        raise InvalidInput("write the amount as a number", "amount") from exc
    from babel.numbers import get_currency_precision

    digits = get_currency_precision(currency)
    minor = major.scaleb(digits)
    if not major.is_finite() or minor != minor.to_integral_value() or minor <= 0:
        raise InvalidInput("write the amount as a number, with at most the currency's decimals", "amount")
    try:
        by = date.fromisoformat(form.get("by", "").strip())
    except ValueError as exc:
        raise InvalidInput("the date must be a date", "by") from exc
    return int(minor), currency, by
