"""The debtor's page forms for plans and promises, read into what the plan service takes.

The page quotes a plan, then confirms it with the quoted terms in the form: on confirmation the plan is quoted
again server-side and the terms must match, so dates or amounts edited in the browser create nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from chalicelib.domain import plans
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.plans import PlanRequest, Quote, QuotedInstalment
from chalicelib.domain.policies import FREQUENCIES

MAX_FORM_INSTALMENTS = 100


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
