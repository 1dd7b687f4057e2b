"""The finance figures (services/figures.py) over the fakes: sums over the tenant's
own accounts only, from the tallies each audit event adds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.services.figures import period_asked
from tests.unit.services.conftest import create_tenant, pay, put_account


def test_the_figures_count_what_was_sent_paid_disputed_and_still_owed(figures, accounts, remind, payments, portal,
                                                                      links, faked, tenant):
    put_account(accounts, tenant, "acct-1")
    put_account(accounts, tenant, "acct-2")
    put_account(accounts, tenant, "acct-3")
    remind.process(tenant.tenant_id, "acct-1")
    pay(payments, faked, tenant, account_id="acct-2", amount=4900)
    portal.dispute(links.portal_url(tenant.tenant_id, "acct-3", faked.clock.now()).rsplit("/p/", 1)[1], "")

    report = figures.figures(tenant.tenant_id)

    assert report["accounts"] == {"total": 3, "by_state": {"active": 1, "paused": 1, "settled": 1}}
    assert report["recovered"] == {"EUR": 4900} and report["outstanding"] == {"EUR": 9800}
    assert report["messages"]["sent"] == {"email": 1}
    assert report["payments"]["payment_succeeded"] == 1
    assert report["disputes"] == {"open": 1, "opened": 1}


def test_another_tenants_accounts_are_not_counted(figures, accounts, tenants, faked, tenant):
    other = create_tenant(tenants, name="Globex")
    put_account(accounts, other, "acct-9")
    before = faked.stored()

    report = figures.figures(tenant.tenant_id)

    assert report["accounts"]["total"] == 0 and report["outstanding"] == {}
    assert faked.stored() == before  # a report reads only


def test_the_plan_figures_count_plans_by_their_life_and_what_they_recovered(figures, accounts, container, payments,
                                                                            faked, tenant):
    from datetime import date

    from chalicelib.domain.plans import PlanRequest

    plans = container.plans
    request = PlanRequest("monthly", 2, date(2026, 12, 15))  # 4900 EUR: 2450 + 2450
    for account_id in ("acct-1", "acct-2", "acct-3"):
        put_account(accounts, tenant, account_id)
        plans.create(tenant.tenant_id, account_id, request, created_by="debtor", actor="debtor:portal")
    pay(payments, faked, tenant, account_id="acct-1", amount=4900)  # completes its plan
    pay(payments, faked, tenant, "evt_2", account_id="acct-2", amount=2450, payment_id="pay_2")  # one instalment
    plans.cancel(tenant.tenant_id, "acct-3", actor="api")

    report = figures.figures(tenant.tenant_id)

    assert report["plans"] == {"offered": 0, "started": 3, "active": 1, "completed": 1, "broken": 0,
                               "cancelled": 1, "recovered": {"EUR": 7350}}
    assert report["settled_for_less"] == 0


def test_money_a_replaced_plan_recovered_still_counts(figures, accounts, container, payments, faked, tenant):
    from datetime import date

    from chalicelib.domain.plans import PlanRequest

    plans = container.plans
    put_account(accounts, tenant, "acct-1")  # 4900 EUR owed
    plans.create(tenant.tenant_id, "acct-1", PlanRequest("monthly", 2, date(2026, 12, 15)), created_by="debtor",
                 actor="debtor:portal")
    pay(payments, faked, tenant, account_id="acct-1", amount=2450)  # the first plan's first instalment
    plans.cancel(tenant.tenant_id, "acct-1", actor="api")
    plans.create(tenant.tenant_id, "acct-1", PlanRequest("monthly", 2, date(2026, 12, 20)), created_by="tenant",
                 actor="api")  # the other 2450, in two
    pay(payments, faked, tenant, "evt_2", account_id="acct-1", amount=1225, payment_id="pay_2")

    report = figures.figures(tenant.tenant_id)

    assert report["plans"]["recovered"] == {"EUR": 3675}
    assert report["plans"]["started"] == 2 and report["plans"]["active"] == 1
    assert faked.accounts.get(tenant.tenant_id, "acct-1").earlier_plans_paid == {"EUR": 2450}


def test_bounce_and_complaint_rates_are_per_email_sent(figures, accounts, remind, feedback, faked, tenant):
    # Given four reminders sent, one of which hard-bounced and one drew a complaint
    for n in range(1, 5):
        put_account(accounts, tenant, f"acct-{n}", email=f"debtor{n}@example.com")
        remind.process(tenant.tenant_id, f"acct-{n}")
    first, second = faked.email.sent[:2]
    tags = {name: [value] for name, value in first.tags.items()}
    feedback.record({"eventType": "Bounce", "mail": {"tags": tags}, "bounce": {
        "bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": first.recipient}]}})
    feedback.record({"eventType": "Complaint", "mail": {"tags": {k: [v] for k, v in second.tags.items()}},
                     "complaint": {"complainedRecipients": [{"emailAddress": second.recipient}]}})

    report = figures.figures(tenant.tenant_id)

    assert report["messages"]["sent"] == {"email": 4}
    assert report["deliverability"] == {"bounce_rate": 0.25, "complaint_rate": 0.25, "bounced": 1, "complained": 1}


def test_a_period_may_leave_out_either_end_but_not_run_backwards():
    today = date(2026, 12, 1)
    assert period_asked(None, None, today) is None
    assert period_asked("2026-11-01", None, today) == (date(2026, 11, 1), today)
    assert period_asked(None, "2026-11-30", today) == (date.min, date(2026, 11, 30))
    with pytest.raises(InvalidInput) as backwards:
        period_asked("2026-12-02", "2026-12-01", today)
    assert backwards.value.field == "from"
    with pytest.raises(InvalidInput) as not_a_day:
        period_asked(None, "20261201", today)
    assert not_a_day.value.field == "to"


def test_a_period_counts_what_happened_in_it_and_how_things_stand_now(figures, accounts, payments, faked, tenant):
    put_account(accounts, tenant, "acct-1")
    faked.flow_stream()
    faked.clock.advance(timedelta(days=3))
    pay(payments, faked, tenant, account_id="acct-1", amount=4900)
    today = faked.clock.now().date()

    before = figures.figures(tenant.tenant_id, (today - timedelta(days=3), today - timedelta(days=1)))
    during = figures.figures(tenant.tenant_id, (today, today))

    assert before["recovered"] == {} and before["payments"]["payment_succeeded"] == 0
    assert during["recovered"] == {"EUR": 4900} and during["payments"]["payment_succeeded"] == 1
    assert before["accounts"] == during["accounts"] == {"total": 1, "by_state": {"settled": 1}}
    assert during["period"] == {"from": today.isoformat(), "to": today.isoformat()}
    assert figures.figures(tenant.tenant_id, (date.min, today))["period"]["from"] is None
