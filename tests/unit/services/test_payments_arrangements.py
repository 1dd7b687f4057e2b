"""Money from processors pays the plan's instalments, keeps promises and settles accounts for less
(services/payments.py with domain/arrangements.py), once, however often the processor delivers it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.payments import RECENT_LINES
from chalicelib.domain.plans import PlanRequest
from chalicelib.domain.settlement import SettlementOffer
from tests.unit.services.conftest import ACCOUNT_ID, PAID_AT, pay, put_account, stored

MONTHLY = PlanRequest("monthly", 3, date(2026, 12, 15))  # 4900 EUR: 1634 + 1633 + 1633


@pytest.fixture
def plans(container):
    return container.plans


@pytest.fixture
def with_plan(accounts, plans, tenant):
    put_account(accounts, tenant)
    return plans.create(tenant.tenant_id, ACCOUNT_ID, MONTHLY, created_by="tenant", actor="api")


def _instalments(faked, tenant):
    plan = stored(faked, tenant).plan
    assert plan is not None
    return [(inst.paid, inst.status) for inst in plan.instalments], plan.status


def test_a_payment_pays_the_earliest_instalments_and_its_redelivery_changes_nothing(payments, faked, tenant,
                                                                                   with_plan):
    assert pay(payments, faked, tenant, "evt_1", 3267) == ["applied"]

    assert _instalments(faked, tenant) == ([(1634, "paid"), (1633, "paid"), (0, "due")], "active")
    event = faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)[-1]
    assert event.type == "payment_succeeded"
    assert (event.details["plan_paid"], event.details["plan_next_due_on"]) == (3267, "2027-02-15")
    before = faked.stored()
    assert pay(payments, faked, tenant, "evt_1", 3267) == ["unchanged"]
    assert faked.stored() == before


def test_a_partial_then_an_over_payment_complete_the_plan_and_settle_the_account(payments, faked, tenant,
                                                                                 with_plan):
    pay(payments, faked, tenant, "evt_1", 1000, payment_id="pay_1")
    assert _instalments(faked, tenant) == ([(1000, "due"), (0, "due"), (0, "due")], "active")

    pay(payments, faked, tenant, "evt_2", 5000, payment_id="pay_2")  # more than the 3900 left

    assert _instalments(faked, tenant) == ([(1634, "paid"), (1633, "paid"), (1633, "paid")], "completed")
    account = stored(faked, tenant)
    assert account.state == "settled" and account.pending_thanks is not None  # only a thank-you is left to send
    types = faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)
    assert types[-2:] == ["payment_succeeded", "plan_completed"] and types.count("plan_completed") == 1


def test_a_refund_of_an_instalment_reopens_it_and_holds_the_account(payments, faked, tenant, with_plan):
    pay(payments, faked, tenant, "evt_1", 1634, payment_id="pay_1")
    pay(payments, faked, tenant, "evt_2", 1633, payment_id="pay_2")

    assert pay(payments, faked, tenant, "evt_3", 1633, kind="payment.refunded", payment_id="pay_2") == ["applied"]

    assert _instalments(faked, tenant) == ([(1634, "paid"), (0, "due"), (0, "due")], "active")
    account = stored(faked, tenant)
    assert account.state == "held" and account.balance() == {"EUR": 3266}
    assert len(faked.notifier.events("refund")) == 1


def test_a_refund_after_the_last_instalment_reopens_a_completed_plan(payments, faked, tenant, with_plan):
    pay(payments, faked, tenant, "evt_1", 4900, payment_id="pay_1")
    assert _instalments(faked, tenant)[1] == "completed"

    pay(payments, faked, tenant, "evt_2", 1633, kind="payment.refunded", payment_id="pay_1")

    assert _instalments(faked, tenant) == ([(1634, "paid"), (1633, "paid"), (0, "due")], "active")
    assert stored(faked, tenant).state == "held"


def test_paying_a_promised_amount_by_its_date_keeps_the_promise(payments, plans, accounts, faked, tenant):
    put_account(accounts, tenant)
    plans.promise(tenant.tenant_id, ACCOUNT_ID, 2000, "EUR", date(2026, 12, 10), actor="api")

    pay(payments, faked, tenant, "evt_1", 1500, payment_id="pay_1")
    promise = stored(faked, tenant).promise
    assert promise is not None and (promise.paid, promise.status) == (1500, "open")

    pay(payments, faked, tenant, "evt_2", 500, payment_id="pay_2")

    promise = stored(faked, tenant).promise
    assert promise is not None and promise.status == "kept"
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-1] == "promise_kept"


def _offer(faked, tenant, valid_until=date(2026, 12, 8)):
    account = stored(faked, tenant)
    account.settlement_offer = SettlementOffer(4410, "EUR", valid_until, 4900)
    faked.accounts.save(account)


def test_paying_a_standing_offer_settles_the_account_for_less_once(payments, accounts, faked, tenant):
    put_account(accounts, tenant)
    _offer(faked, tenant)

    assert pay(payments, faked, tenant, "evt_1", 4410) == ["applied"]

    account = stored(faked, tenant)
    assert account.state == "settled" and account.balance() == {"EUR": 0}
    event = faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)[-1]
    assert event.type == "settled_for_less"
    assert (event.details["amount_paid"], event.details["forgiven"]) == (4410, 490)
    [told] = faked.notifier.events("settled_for_less")
    assert (told["account_id"], told["forgiven"], told["currency"]) == (ACCOUNT_ID, 490, "EUR")
    assert "Ana" not in str(told) and "ana@" not in str(told)
    # forgiven money is not money received
    assert [p.signed_amount() for p in account.payments] == [4410, 0]

    before = faked.stored()
    assert pay(payments, faked, tenant, "evt_1", 4410) == ["unchanged"]
    assert faked.stored() == before


def test_less_than_the_offer_or_after_its_date_does_not_settle(payments, accounts, faked, tenant):
    put_account(accounts, tenant)
    _offer(faked, tenant)
    pay(payments, faked, tenant, "evt_1", 4000, payment_id="pay_1")
    assert stored(faked, tenant).balance() == {"EUR": 900}

    _offer(faked, tenant, valid_until=date(2026, 11, 27))  # the payments are dated 28 November
    pay(payments, faked, tenant, "evt_2", 410, payment_id="pay_2")

    account = stored(faked, tenant)
    assert account.balance() == {"EUR": 490} and account.state != "settled"
    assert faked.notifier.events("settled_for_less") == []


def _pay_earlier(payments, faked, tenant, event_id: str, amount: int, payment_id: str) -> list[str]:
    """A payment dated a day before the others `pay` sends, so its line is the oldest of the ledger."""
    from tests.support import webhooks as wh

    faked.webhook_secrets.put(tenant.tenant_id, "standard", wh.STANDARD_SECRET)
    body = wh.body({"type": "payment.succeeded", "timestamp": (PAID_AT - timedelta(days=1)).isoformat(),
                    "data": {"account_id": ACCOUNT_ID, "payment_id": payment_id, "amount": amount,
                             "currency": "EUR", "invoice_id": "INV-1001"}})
    return [r.outcome for r in payments.receive(tenant.tenant_id, "standard", body,
                                                 wh.standard_headers(body, event_id))]


def test_a_redelivered_payment_long_gone_from_the_recent_lines_never_tells_finance_it_settled(
        payments, accounts, faked, tenant):
    put_account(accounts, tenant)
    # the oldest line, then cents until it is only in the payments collection, no longer among the recent lines
    # the account item carries
    assert _pay_earlier(payments, faked, tenant, "evt_big", 500, "pay_big") == ["applied"]
    for n in range(RECENT_LINES):
        pay(payments, faked, tenant, f"evt_{n}", 1, payment_id=f"pay_{n}")
    owed = 4900 - 500 - RECENT_LINES
    account = stored(faked, tenant)
    assert account.balance() == {"EUR": owed} and "pay_big" not in [p.payment_ref for p in account.payments]
    account.settlement_offer = SettlementOffer(450, "EUR", date(2026, 12, 8), owed)  # 500 would meet it
    faked.accounts.save(account)

    # The processor delivers the big payment again: the same money, not a new payment meeting the offer
    assert _pay_earlier(payments, faked, tenant, "evt_big", 500, "pay_big") == ["unchanged"]

    assert faked.notifier.events("settled_for_less") == []
    assert stored(faked, tenant).state != "settled" and stored(faked, tenant).balance() == {"EUR": owed}
