"""What the debtor's page shows of plans, promises and settlement offers, as plain values for its template."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from . import accounts as acc
from . import plans
from .accounts import Account
from .offers import plan_possible, settlement_stands
from .plans import PlanLimits, add_months
from .policies import Policy
from .promises import OPEN, PromiseLimits
from .schedule import local_day, recipient_zones
from .settlement import lapsed


def can_arrange(account: Account, today: date) -> bool:
    """Plans and promises are for an account that owes, is neither held nor escalated, and is not disputed."""
    disputed = any(flag.name == "dispute" for flag in account.holding_flags(today))
    return account.owes_undisputed() and account.state not in (acc.HELD, acc.ESCALATED, acc.SETTLED) \
        and not disputed


def arrangements(account: Account, policy: Policy, now: datetime) -> dict[str, Any]:
    """The plan, promise and settlement parts of the page, as plain values for the template."""
    today = local_day(now, recipient_zones(account))
    owing = {currency: amount for currency, amount in account.undisputed_balance().items() if amount > 0}
    limits = PlanLimits.of(policy)
    active_plan = account.plan if account.plan is not None and account.plan.status == plans.ACTIVE else None
    open_promise = account.promise if account.promise is not None and account.promise.status == OPEN else None
    arrangeable = can_arrange(account, today)
    promise_limits = PromiseLimits.of(policy)
    offer = account.settlement_offer
    offer_stands = offer is not None and not lapsed(offer, today, account.undisputed_balance()) \
        and account.owes_undisputed()
    pay_urls = [url for inv in account.undisputed_invoices() if (url := account.pay_url(inv))]
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
