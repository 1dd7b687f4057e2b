"""The figures the stream keeps (services/figure_stream.py) against `kindly metrics rebuild` and against the sum
over every account that GET /v1/metrics used to compute on each call (kept below as the reference)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.accounts import Account, Flag
from chalicelib.domain.deliverability import rates
from chalicelib.domain.money import add_balances
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED
from chalicelib.domain.plans import ACTIVE, PlanRequest
from chalicelib.domain.schedule import local_day, recipient_zones
from chalicelib.domain.times import iso
from tests.unit.services.conftest import NOW, pay, put_account, stored

pytestmark = pytest.mark.unit


def figures_from_every_account(accounts: list[Account], now: datetime) -> dict[str, Any]:
    """What FinanceFigures answered before the stream: one pass over every account of the tenant."""
    tallies: Counter[str] = Counter()
    states: Counter[str] = Counter()
    holding: Counter[str] = Counter()
    received, returned, outstanding, through_plans = [], [], [], []
    active_plans = 0
    opt_outs = Counter({"email": 0, "sms": 0})
    for account in accounts:
        tallies.update(account.tallies)
        states[account.state] += 1
        holding.update(f.name for f in account.holding_flags(local_day(now, recipient_zones(account))))
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

    def money(lines: list[tuple[int, str]]) -> dict[str, int]:  # the stream shows no currency at 0
        return {currency: n for currency, n in add_balances(lines).items() if n}

    by_suffix = {prefix: dict(sorted((k.removeprefix(prefix), n) for k, n in tallies.items() if k.startswith(prefix)))
                 for prefix in ("sent:", "withheld:", "deferred:")}
    return {
        "as_of": iso(now),
        "accounts": {"total": len(accounts), "by_state": dict(sorted(states.items()))},
        "recovered": money(received + [(-amount, currency) for amount, currency in returned]),
        "paid_back": money(returned), "outstanding": money(outstanding),
        "payments": {kind: tallies.get(kind, 0) for kind in (SUCCEEDED, FAILED, REFUNDED, CHARGEBACK)},
        "messages": {"sent": by_suffix["sent:"], "withheld": by_suffix["withheld:"],
                     "deferred": by_suffix["deferred:"], "escalated": tallies.get("escalated", 0)},
        "plans": {**{what: tallies.get(f"plans:{what}", 0)
                     for what in ("offered", "started", "completed", "broken", "cancelled")},
                  "active": active_plans, "recovered": money(through_plans)},
        "settled_for_less": tallies.get("settled_for_less", 0),
        "opt_outs": dict(opt_outs),
        "deliverability": {**rates(tallies.get("sent:email", 0), tallies.get("email_bounced", 0),
                                   tallies.get("email_complained", 0)),
                           "bounced": tallies.get("email_bounced", 0),
                           "complained": tallies.get("email_complained", 0)},
        "disputes": {"open": holding.get("dispute", 0), "opened": tallies.get("flag:dispute", 0)},
        "pauses": {"active": holding.get("hardship", 0) + holding.get("breathing_space", 0),
                   "hardship_started": tallies.get("flag:hardship", 0)},
    }


def a_series_of_changes(container: Any, faked: Any, tenant: Any) -> None:
    """Accounts created, reminded, paid, refunded, disputed, paused with an end date, on plans, unsubscribed,
    replaced by a new upsert: the writes the stream carries."""
    accounts = container.accounts
    for n in range(1, 6):
        put_account(accounts, tenant, f"acct-{n}", email=f"debtor{n}@example.com")
    container.remind.process(tenant.tenant_id, "acct-1")
    pay(container.payments, faked, tenant, account_id="acct-2", amount=4900)
    pay(container.payments, faked, tenant, "evt_r", kind="payment.refunded", account_id="acct-2", amount=900,
        payment_id="pay_r")
    container.plans.create(tenant.tenant_id, "acct-3", PlanRequest("monthly", 2, date(2026, 12, 15)),
                           created_by="debtor", actor="debtor:portal")
    pay(container.payments, faked, tenant, "evt_3", account_id="acct-3", amount=2450, payment_id="pay_3")
    for account_id, flag in (("acct-4", Flag("hardship", True, NOW, until=NOW.date() + timedelta(days=10))),
                             ("acct-5", Flag("dispute", True, NOW))):
        account = stored(faked, tenant, account_id)
        account.flags[flag.name] = flag
        account.state = "paused"
        faked.accounts.save(account)
    account = stored(faked, tenant, "acct-1")
    account.email_suppressed = "unsubscribed"
    faked.accounts.save(account)
    put_account(accounts, tenant, "acct-1", name="Ana G.")  # an upsert that changes no figure


def test_the_stream_the_rebuild_and_the_sum_over_every_account_agree(faked, container, tenant):
    a_series_of_changes(container, faked, tenant)
    faked.flow_stream()
    streamed = container.figures.figures(tenant.tenant_id)
    kept = dict(faked.figure_store.items)

    rebuilt_items = container.figure_stream.rebuild(tenant.tenant_id)
    rebuilt = container.figures.figures(tenant.tenant_id)

    reference = figures_from_every_account(list(faked.accounts.all_of(tenant.tenant_id)), NOW)
    assert streamed == rebuilt == reference
    assert streamed["recovered"] == {"EUR": 4900 - 900 + 2450} and streamed["pauses"]["active"] == 1
    assert streamed["opt_outs"]["email"] == 1 and streamed["disputes"]["open"] == 1
    # and the rebuild put back what the stream kept, item for item (the day items are history it leaves alone;
    # counters the stream brought back to 0 stay there as 0)
    assert {key: {name: n for name, n in kept[(tenant.tenant_id, key)].items() if n}
            for key in rebuilt_items} == rebuilt_items


def test_a_pause_stops_counting_when_its_end_comes_without_any_write(faked, container, tenant):
    a_series_of_changes(container, faked, tenant)
    faked.flow_stream()

    faked.clock.set(NOW + timedelta(days=12))  # acct-4's hardship pause (until NOW + 10 days) is over

    later = container.figures.figures(tenant.tenant_id)
    reference = figures_from_every_account(list(faked.accounts.all_of(tenant.tenant_id)), faked.clock.now())
    assert later["pauses"]["active"] == 0 == reference["pauses"]["active"]
    assert later == reference


def test_a_record_applied_twice_counts_once(faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    old, new = faked.accounts.stream[-1]

    assert container.figure_stream.apply("0001", NOW.date(), old, new) is True
    assert container.figure_stream.apply("0001", NOW.date(), old, new) is False

    assert container.figures.figures(tenant.tenant_id)["accounts"]["total"] == 1


def test_a_rebuild_replaces_figures_gone_wrong(faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    faked.flow_stream()
    faked.figure_store.add(tenant.tenant_id, "bogus", {"total": {"accounts": 41, "state:held": 3},
                                                        "ends#2026-12-02": {"ends:hardship@2026-12-02T0000Z": 2}})

    container.figure_stream.rebuild(tenant.tenant_id)

    figures = container.figures.figures(tenant.tenant_id)
    assert figures["accounts"] == {"total": 1, "by_state": {"active": 1}} and figures["pauses"]["active"] == 0


def test_metrics_read_a_handful_of_items_whatever_the_number_of_accounts(faked, container, tenant):
    reads = []
    for count in (3, 30):
        for n in range(count):
            put_account(container.accounts, tenant, f"acct-{count}-{n}")
        faked.flow_stream()
        before = faked.figure_store.reads
        container.figures.figures(tenant.tenant_id, (NOW.date() - timedelta(days=30), NOW.date()))
        reads.append(faked.figure_store.reads - before)
    assert reads == [3, 3]  # the total, the ends still ahead, the period's days
