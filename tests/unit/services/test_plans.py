"""Plans, promises and settlement offers (services/plans.py) over the fakes: what each writes and audits, and
that every refusal writes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from msgspec.structs import replace

from chalicelib.domain import accounts as acc
from chalicelib.domain.accounts import Flag
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.plans import PlanRequest
from chalicelib.domain.settlement import SettlementOffer
from tests.unit.services.conftest import ACCOUNT_ID, NOW, put_account, stored

MONTHLY = PlanRequest("monthly", 3, date(2026, 12, 15))  # 4900 EUR owed: 1634 + 1633 + 1633


@pytest.fixture
def plans(container):
    return container.plans


@pytest.fixture
def account(accounts, tenant):
    return put_account(accounts, tenant)


def test_a_quote_shows_every_date_and_amount_and_writes_nothing(plans, faked, tenant, account):
    before = faked.stored()

    quoted = plans.quote(tenant.tenant_id, ACCOUNT_ID, MONTHLY)

    assert quoted.to_dict() == {"currency": "EUR", "total": 4900, "instalments": [
        {"n": 1, "due_on": "2026-12-15", "amount": 1634},
        {"n": 2, "due_on": "2027-01-15", "amount": 1633},
        {"n": 3, "due_on": "2027-02-15", "amount": 1633}]}
    assert faked.stored() == before


def test_creating_a_plan_stores_it_audits_it_and_brings_the_worker_now(plans, faked, tenant, account):
    created = plans.create(tenant.tenant_id, ACCOUNT_ID, MONTHLY, created_by="tenant", actor="api_key:k1")

    saved = stored(faked, tenant)
    assert saved.plan == created.plan and saved.plan is not None
    assert saved.plan.status == "active" and saved.plan.created_by == "tenant"
    assert [i.amount for i in saved.plan.instalments] == [1634, 1633, 1633]
    assert saved.next_action_at == NOW
    events = faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)
    assert events[-1].type == "plan_created" and events[-1].actor == "api_key:k1"
    assert events[-1].details["total"] == 4900 and events[-1].details["instalments"] == 3
    assert "Ana" not in str(events[-1].details) and "ana@" not in str(events[-1].details)


@pytest.mark.parametrize(("request_", "field"), [
    (PlanRequest("monthly", 6, date(2026, 12, 15)), "instalments"),  # 816 each, under the 1000 minimum
    (PlanRequest("monthly", 1, date(2026, 12, 15)), "instalments"),
    (PlanRequest("monthly", 7, date(2026, 12, 15)), "instalments"),  # more than max_instalments
    (PlanRequest("monthly", 2, date(2027, 7, 1)), "first_on"),  # beyond max_months
    (PlanRequest("weekly", 2, date(2026, 11, 30)), "first_on"),  # in the past
    (PlanRequest("weekly", 2, date(2026, 12, 15), "USD"), "currency"),
])
def test_a_plan_outside_the_policy_is_refused_naming_the_field_and_writes_nothing(plans, faked, tenant, account,
                                                                                  request_, field):
    before = faked.stored()
    for attempt in (lambda: plans.quote(tenant.tenant_id, ACCOUNT_ID, request_),
                    lambda: plans.create(tenant.tenant_id, ACCOUNT_ID, request_, created_by="debtor",
                                         actor="debtor:portal")):
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert refused.value.field == field
    assert faked.stored() == before


def _settled(account):
    account.state = acc.SETTLED
    account.invoices = [replace(inv, status="paid") for inv in account.invoices]


def _disputed(account):
    account.flags = {"dispute": Flag("dispute", True, NOW - timedelta(days=1))}


def _held(account):
    account.state, account.hold_reason = acc.HELD, "chargeback"


def _flagged(name):
    def arrange(account):
        account.flags = {name: Flag(name, True, NOW - timedelta(days=1))}
    arrange.__name__ = f"_{name}"
    return arrange


@pytest.mark.parametrize("arrange", [_settled, _disputed, _held, _flagged("bankruptcy"), _flagged("deceased"),
                                     _flagged("breathing_space"), _flagged("cease_contact")],
                         ids=lambda arrange: arrange.__name__.strip("_"))
def test_no_plan_or_promise_for_a_settled_disputed_held_or_stopped_account(plans, faked, tenant, account, arrange):
    current = stored(faked, tenant)
    arrange(current)
    faked.accounts.save(current)
    before = faked.stored()

    with pytest.raises(Conflict):
        plans.create(tenant.tenant_id, ACCOUNT_ID, MONTHLY, created_by="tenant", actor="api")
    with pytest.raises(Conflict):
        plans.quote(tenant.tenant_id, ACCOUNT_ID, MONTHLY)
    with pytest.raises(Conflict):
        plans.promise(tenant.tenant_id, ACCOUNT_ID, 1000, "EUR", date(2026, 12, 10), actor="api")
    assert faked.stored() == before


@pytest.mark.parametrize("name", ["hardship", "vulnerable"])
def test_a_debtor_in_hardship_or_vulnerable_can_still_agree_a_plan(plans, faked, tenant, account, name):
    current = stored(faked, tenant)
    current.flags = {name: Flag(name, True, NOW - timedelta(days=1))}
    faked.accounts.save(current)

    plans.create(tenant.tenant_id, ACCOUNT_ID, MONTHLY, created_by="tenant", actor="api")

    assert stored(faked, tenant).plan is not None


def test_a_second_active_plan_is_a_conflict_and_writes_nothing(plans, faked, tenant, account):
    plans.create(tenant.tenant_id, ACCOUNT_ID, MONTHLY, created_by="debtor", actor="debtor:portal")
    before = faked.stored()

    with pytest.raises(Conflict) as refused:  # a replayed confirmation included
        plans.create(tenant.tenant_id, ACCOUNT_ID, MONTHLY, created_by="debtor", actor="debtor:portal")

    assert refused.value.field == "plan"
    assert faked.stored() == before


def test_two_racing_creates_make_one_plan(plans, faked, tenant, account):
    other = PlanRequest("weekly", 2, date(2026, 12, 8))
    faked.accounts.before_next_write(
        lambda: plans.create(tenant.tenant_id, ACCOUNT_ID, other, created_by="tenant", actor="api_key:k2"))

    with pytest.raises(Conflict) as refused:
        plans.create(tenant.tenant_id, ACCOUNT_ID, MONTHLY, created_by="debtor", actor="debtor:portal")

    assert refused.value.field == "plan"
    saved = stored(faked, tenant)
    assert saved.plan is not None and saved.plan.frequency == "weekly"
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID).count("plan_created") == 1


def test_a_cancelled_plan_resumes_the_schedule_and_a_repeat_writes_nothing(plans, faked, tenant, account):
    scheduled = stored(faked, tenant).next_action_at
    plans.create(tenant.tenant_id, ACCOUNT_ID, MONTHLY, created_by="tenant", actor="api")

    cancelled = plans.cancel(tenant.tenant_id, ACCOUNT_ID, actor="api")

    assert cancelled.plan is not None and cancelled.plan.status == "cancelled"
    assert stored(faked, tenant).next_action_at == scheduled
    writes = faked.accounts.writes
    plans.cancel(tenant.tenant_id, ACCOUNT_ID, actor="api")
    assert faked.accounts.writes == writes
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-2:] == ["plan_created", "plan_cancelled"]
    # a new plan may follow a cancelled one
    assert plans.create(tenant.tenant_id, ACCOUNT_ID, MONTHLY, created_by="tenant", actor="api").plan.status == "active"


def test_cancelling_without_a_plan_is_not_found_and_writes_nothing(plans, faked, tenant, account):
    before = faked.stored()
    with pytest.raises(NotFound):
        plans.cancel(tenant.tenant_id, ACCOUNT_ID, actor="api")
    with pytest.raises(NotFound):
        plans.cancel(tenant.tenant_id, "acct-404", actor="api")
    assert faked.stored() == before


def test_another_tenants_account_is_not_found(plans, faked, tenants, tenant, account):
    from tests.unit.services.conftest import create_tenant

    other = create_tenant(tenants, name="Other Ltd")
    before = faked.stored()
    with pytest.raises(NotFound):
        plans.quote(other.tenant_id, ACCOUNT_ID, MONTHLY)
    with pytest.raises(NotFound):
        plans.create(other.tenant_id, ACCOUNT_ID, MONTHLY, created_by="tenant", actor="api")
    assert faked.stored() == before


def test_a_promise_is_recorded_audited_and_a_second_open_one_is_a_conflict(plans, faked, tenant, account):
    made = plans.promise(tenant.tenant_id, ACCOUNT_ID, 2000, "EUR", date(2026, 12, 10), actor="api_key:k1")

    assert made.promise is not None and made.promise.status == "open" and made.promise.amount == 2000
    events = faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)
    assert events[-1].type == "promise_made"
    assert events[-1].details["paused_until"] == "2026-12-13"
    before = faked.stored()
    with pytest.raises(Conflict):
        plans.promise(tenant.tenant_id, ACCOUNT_ID, 4900, "EUR", date(2026, 12, 20), actor="api_key:k1")
    assert faked.stored() == before


@pytest.mark.parametrize(("amount", "currency", "by", "field"), [
    (5000, "EUR", date(2026, 12, 10), "amount"),  # more than is owed
    (1000, "USD", date(2026, 12, 10), "currency"),
    (1000, "EUR", date(2026, 11, 30), "by"),
    (1000, "EUR", date(2027, 3, 1), "by"),  # beyond promise.max_days
])
def test_a_bad_promise_is_refused_naming_the_field(plans, faked, tenant, account, amount, currency, by, field):
    before = faked.stored()
    with pytest.raises(InvalidInput) as refused:
        plans.promise(tenant.tenant_id, ACCOUNT_ID, amount, currency, by, actor="api")
    assert refused.value.field == field
    assert faked.stored() == before


def test_a_broken_promise_makes_room_for_a_new_one(plans, faked, tenant, account):
    plans.promise(tenant.tenant_id, ACCOUNT_ID, 2000, "EUR", date(2026, 12, 2), actor="api")
    faked.clock.advance(timedelta(days=10))  # past the date plus the grace days, nothing paid

    again = plans.promise(tenant.tenant_id, ACCOUNT_ID, 2000, "EUR", date(2026, 12, 20), actor="api")

    assert again.promise is not None and again.promise.by == date(2026, 12, 20)


def _offer(faked, tenant, valid_until=date(2026, 12, 8)):
    current = stored(faked, tenant)
    current.settlement_offer = SettlementOffer(4410, "EUR", valid_until, 4900)
    faked.accounts.save(current)


def test_accepting_a_standing_offer_is_audited_and_once_only(plans, faked, tenant, account):
    _offer(faked, tenant)

    accepted = plans.accept_settlement(tenant.tenant_id, ACCOUNT_ID, actor="debtor:portal")

    assert accepted.settlement_offer is not None and accepted.settlement_offer.accepted_at == NOW
    assert stored(faked, tenant).next_action_at == NOW
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-1] == "settlement_accepted"
    writes = faked.accounts.writes
    plans.accept_settlement(tenant.tenant_id, ACCOUNT_ID, actor="debtor:portal")
    assert faked.accounts.writes == writes


def test_no_offer_or_a_lapsed_offer_cannot_be_accepted(plans, faked, tenant, account):
    before = faked.stored()
    with pytest.raises(Conflict):
        plans.accept_settlement(tenant.tenant_id, ACCOUNT_ID, actor="debtor:portal")
    assert faked.stored() == before

    _offer(faked, tenant, valid_until=date(2026, 11, 30))
    before = faked.stored()
    with pytest.raises(Conflict):
        plans.accept_settlement(tenant.tenant_id, ACCOUNT_ID, actor="debtor:portal")
    assert faked.stored() == before
