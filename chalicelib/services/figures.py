"""The finance figures behind GET /v1/metrics (SPEC 10): what was recovered, sent and withheld and why, opt-outs,
disputes.

Figures are sums over the tenant's accounts: each account carries its own running tallies (domain.tallies)
and its payment ledger, so one paginated query over the tenant's partition answers, with no read of the
audit trail. It reads every account of the tenant: a report, not something to poll every second.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from chalicelib.domain.accounts import Account, Flag
from chalicelib.domain.deliverability import rates
from chalicelib.domain.money import add_balances
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED
from chalicelib.domain.plans import ACTIVE
from chalicelib.domain.ports import AccountRepository, Clock
from chalicelib.domain.schedule import local_day, recipient_zones
from chalicelib.domain.times import iso

PLAN_FIGURES = ("offered", "started", "completed", "broken", "cancelled")  # tallied (domain/tallies.py)


class FinanceFigures:
    def __init__(self, accounts: AccountRepository, clock: Clock) -> None:
        self._accounts = accounts
        self._clock = clock

    def figures(self, tenant_id: str) -> dict[str, Any]:
        now = self._clock.now()
        tallies: Counter[str] = Counter()
        states: Counter[str] = Counter()
        holding: Counter[str] = Counter()
        received, returned, outstanding, through_plans = [], [], [], []
        active_plans = 0
        opt_outs = Counter({"email": 0, "sms": 0})
        total = 0
        for account in self._accounts.all_of(tenant_id):
            total += 1
            tallies.update(account.tallies)
            states[account.state] += 1
            holding.update(flag.name for flag in _holding(account, now))
            account_received, account_returned = account.payment_totals()
            received += [(amount, currency) for currency, amount in account_received.items()]
            returned += [(amount, currency) for currency, amount in account_returned.items()]
            outstanding += [(amount, currency) for currency, amount in account.balance().items()]
            if account.plan is not None:
                active_plans += account.plan.status == ACTIVE
                through_plans.append((account.plan.paid, account.plan.currency))
            through_plans.extend((paid, currency) for currency, paid in account.earlier_plans_paid.items())
            opt_outs["email"] += account.email_suppressed == "unsubscribed"
            opt_outs["sms"] += account.sms_opted_out
        recovered = add_balances(received + [(-amount, currency) for amount, currency in returned])
        return {
            "as_of": iso(now),
            "accounts": {"total": total, "by_state": dict(sorted(states.items()))},
            "recovered": recovered,
            "paid_back": add_balances(returned),
            "outstanding": add_balances(outstanding),
            "payments": {kind: tallies.get(kind, 0) for kind in (SUCCEEDED, FAILED, REFUNDED, CHARGEBACK)},
            "messages": {
                "sent": _by_suffix(tallies, "sent:"),
                "withheld": _by_suffix(tallies, "withheld:"),
                "deferred": _by_suffix(tallies, "deferred:"),
                "escalated": tallies.get("escalated", 0),
            },
            "plans": {**{what: tallies.get(f"plans:{what}", 0) for what in PLAN_FIGURES}, "active": active_plans,
                      "recovered": add_balances(through_plans)},
            "settled_for_less": tallies.get("settled_for_less", 0),
            "opt_outs": dict(opt_outs),
            "deliverability": {
                **rates(tallies.get("sent:email", 0), tallies.get("email_bounced", 0),
                        tallies.get("email_complained", 0)),
                "bounced": tallies.get("email_bounced", 0), "complained": tallies.get("email_complained", 0)},
            "disputes": {"open": holding.get("dispute", 0), "opened": tallies.get("flag:dispute", 0)},
            "pauses": {"active": holding.get("hardship", 0) + holding.get("breathing_space", 0),
                       "hardship_started": tallies.get("flag:hardship", 0)},
        }


def _holding(account: Account, now: datetime) -> list[Flag]:
    return account.holding_flags(local_day(now, recipient_zones(account)))


def _by_suffix(tallies: Counter[str], prefix: str) -> dict[str, int]:
    return dict(sorted((key.removeprefix(prefix), n) for key, n in tallies.items() if key.startswith(prefix)))
