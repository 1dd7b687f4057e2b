"""The sweep's circuit breaker over the fakes (services/breaker.py): a run far above the tenant's usual day is held,
finance hears once, and it goes out only when a person approves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.sweep_holds import APPROVED, DISCARDED, HELD, RELEASED, SweepLimits
from tests.unit.services.conftest import NOW, create_tenant, put_account

FAR_INVOICE = {"id": "INV-2", "amount": 1000, "currency": "EUR", "issued_on": "2026-11-20", "due_on": "2026-12-31"}


@pytest.fixture
def breaker(container):
    return container.breaker


def put_many(accounts, tenant, count, **changes):
    for n in range(count):
        put_account(accounts, tenant, f"acct-{n:03d}", **changes)


def queued(faked):
    return sorted(body["account_id"] for body in faked.queue.bodies)


def test_a_run_above_the_floor_is_held_and_finance_hears_once(sweep, accounts, faked, tenant):
    put_many(accounts, tenant, 51)  # a new tenant: the floor (50) alone applies

    assert sweep.enqueue_due(faked.queue) == 0
    assert sweep.enqueue_due(faked.queue) == 0  # still held at the next sweep

    [event] = faked.notifier.events("sweep_held")
    assert event["tenant_id"] == tenant.tenant_id and event["messages"] == 51 and event["threshold"] == 50
    [hold] = faked.sweeps.holds(tenant.tenant_id)
    assert hold.status == HELD and hold.accounts == 51
    assert not faked.email.sent


def test_a_run_within_the_floor_goes_out(sweep, accounts, faked, tenant):
    put_many(accounts, tenant, 50)

    assert sweep.enqueue_due(faked.queue) == 50
    assert not faked.notifier.events("sweep_held") and not faked.sweeps.holds(tenant.tenant_id)


def test_the_usual_day_sets_the_limit_with_the_tenants_multiple(sweep, breaker, accounts, faked, tenant):
    for n in range(1, 8):
        faked.sweeps.count_sent(tenant.tenant_id, NOW.date() - timedelta(days=n), 20)
    breaker.set_limits(tenant.tenant_id, multiple=2, floor=10)  # threshold 40
    put_many(accounts, tenant, 40)
    assert sweep.enqueue_due(faked.queue) == 40

    put_account(accounts, tenant, "acct-late")  # 41 due now: 2 x 20 exceeded
    faked.queue.batches.clear()
    assert sweep.enqueue_due(faked.queue) == 0
    assert faked.notifier.events("sweep_held")[0]["average"] == 20


def test_only_this_tenants_run_is_held(sweep, accounts, tenants, faked, tenant):
    other = create_tenant(tenants, name="Globex")
    put_many(accounts, tenant, 60)
    put_account(accounts, other, "acct-globex")

    assert sweep.enqueue_due(faked.queue) == 1
    assert [body["tenant_id"] for body in faked.queue.bodies] == [other.tenant_id]


def test_what_the_worker_would_defer_is_not_counted(sweep, accounts, faked, tenant):
    put_many(accounts, tenant, 60)
    faked.clock.set(datetime(2026, 12, 1, 22, 30, tzinfo=UTC))  # 23:30 in Madrid: every reminder waits

    assert sweep.enqueue_due(faked.queue) == 60  # the worker defers each to the morning
    assert not faked.notifier.events("sweep_held")


def test_approval_lets_the_next_sweep_send_them_and_the_rest_of_the_day_flows(sweep, breaker, remind, accounts,
                                                                               faked, tenant):
    put_many(accounts, tenant, 60)
    sweep.enqueue_due(faked.queue)

    approved = breaker.approve(tenant.tenant_id, "cli")
    assert approved["status"] == APPROVED and approved["history"][-1]["actor"] == "cli"
    assert faked.queue.bodies == []  # approving queues nothing by itself: the next sweep does

    faked.clock.advance(timedelta(minutes=15))
    assert sweep.enqueue_due(faked.queue) == 60
    for body in faked.queue.bodies:
        remind.process(body["tenant_id"], body["account_id"], body.get("snapshot"))
    assert len(faked.email.sent) == 60
    assert faked.sweeps.sent_counts(tenant.tenant_id, NOW.date(), NOW.date()) == {NOW.date(): 60}
    [hold] = faked.sweeps.holds(tenant.tenant_id)
    assert hold.status == RELEASED and [e["status"] for e in hold.history] == [HELD, APPROVED, RELEASED]

    put_account(accounts, tenant, "acct-new")  # a later sweep that day: the approved run is not held against it
    faked.queue.batches.clear()
    faked.clock.advance(timedelta(minutes=15))
    assert sweep.enqueue_due(faked.queue) == 1
    assert len(faked.notifier.events("sweep_held")) == 1


def test_discarding_closes_the_hold_and_the_next_sweep_judges_afresh(sweep, breaker, accounts, faked, tenant):
    put_many(accounts, tenant, 60)
    sweep.enqueue_due(faked.queue)

    assert breaker.discard(tenant.tenant_id, "cli")["status"] == DISCARDED
    assert faked.queue.bodies == []
    with pytest.raises(NotFound):
        breaker.approve(tenant.tenant_id, "cli")  # nothing is held any more

    faked.clock.advance(timedelta(minutes=15))
    assert sweep.enqueue_due(faked.queue) == 0  # nothing was fixed: held again, as a new hold
    assert [hold.status for hold in faked.sweeps.holds(tenant.tenant_id)] == [HELD, DISCARDED]


def test_approving_with_nothing_held_is_refused_and_changes_nothing(breaker, faked, tenant):
    before = faked.stored()
    with pytest.raises(NotFound):
        breaker.approve(tenant.tenant_id, "cli")
    assert faked.stored() == before


def test_a_policy_edit_that_makes_every_account_due_is_held_until_approved(sweep, breaker, policies, remind,
                                                                         accounts, faked, tenant):
    from tests.support import samples

    put_many(accounts, tenant, 80, invoices=[FAR_INVOICE])  # due 31 December: nothing to say yet
    assert sweep.enqueue_due(faked.queue) == 0

    wrong = {**samples.POLICY, "steps": [{"offset_days": -30, "channel": "email", "template": "heads_up"}]}
    policies.put(tenant.tenant_id, "standard", wrong)  # a heads-up a month early, by mistake
    moved = {**FAR_INVOICE, "amount": 1200}
    put_many(accounts, tenant, 80, invoices=[moved])  # the nightly sync recomputes every schedule under it

    assert sweep.enqueue_due(faked.queue) == 0
    faked.clock.advance(timedelta(minutes=15))
    assert sweep.enqueue_due(faked.queue) == 0
    assert len(faked.notifier.events("sweep_held")) == 1 and not faked.email.sent

    breaker.approve(tenant.tenant_id, "cli")
    faked.clock.advance(timedelta(minutes=15))
    assert sweep.enqueue_due(faked.queue) == 80
    for body in faked.queue.bodies:
        remind.process(body["tenant_id"], body["account_id"], body.get("snapshot"))
    assert len(faked.email.sent) == 80


def test_limits_are_the_tenants_own_and_refused_out_of_range(breaker, faked, tenant):
    assert breaker.limits(tenant.tenant_id) == SweepLimits(3.0, 50)
    assert breaker.set_limits(tenant.tenant_id, floor=200) == {"multiple": 3.0, "floor": 200}

    with pytest.raises(InvalidInput) as refused:
        breaker.set_limits(tenant.tenant_id, multiple=0)
    assert refused.value.field == "multiple"
    assert breaker.limits(tenant.tenant_id) == SweepLimits(3.0, 200)


def test_each_sweep_counts_what_it_lets_through_to_be_sent_per_tenant_and_day(sweep, accounts, tenants, faked,
                                                                              tenant):
    other = create_tenant(tenants, name="Globex")
    put_many(accounts, tenant, 3)
    put_account(accounts, other, "acct-globex")
    put_account(accounts, tenant, "acct-later", invoices=[FAR_INVOICE])  # not due: not counted

    sweep.enqueue_due(faked.queue)

    assert faked.sweeps.sent_counts(tenant.tenant_id, NOW.date(), NOW.date()) == {NOW.date(): 3}
    assert faked.sweeps.sent_counts(other.tenant_id, NOW.date(), NOW.date()) == {NOW.date(): 1}


def test_what_the_worker_would_defer_is_not_counted_yet(sweep, accounts, faked, tenant):
    faked.clock.set(datetime(2026, 12, 1, 22, 30, tzinfo=UTC))  # 23:30 in Madrid
    put_account(accounts, tenant)

    sweep.enqueue_due(faked.queue)

    assert faked.sweeps.sent_counts(tenant.tenant_id, NOW.date(), NOW.date()) == {}


def test_a_policy_version_can_ask_for_its_first_run_to_be_approved(sweep, breaker, policies, accounts, faked, tenant):
    from tests.support import samples

    careful = {**samples.POLICY, "require_approval_first_run": True}
    policies.put(tenant.tenant_id, "careful", careful)
    put_many(accounts, tenant, 3, policy="careful")  # far below the floor: only the flag holds them

    assert sweep.enqueue_due(faked.queue) == 0
    [event] = faked.notifier.events("sweep_held")
    assert event["reason"] == "first_run_of_policy" and event["policy"] == "careful" and event["policy_version"] == 1

    breaker.approve(tenant.tenant_id, "cli")
    assert sweep.enqueue_due(faked.queue) == 3

    put_account(accounts, tenant, "acct-next", policy="careful")  # the same version later: approved already
    faked.queue.batches.clear()
    faked.clock.advance(timedelta(days=1))
    assert sweep.enqueue_due(faked.queue) >= 1
    assert len(faked.notifier.events("sweep_held")) == 1

    policies.put(tenant.tenant_id, "careful", {**careful, "hardship_pause_days": 20})  # a new version: asked again
    put_account(accounts, tenant, "acct-new", policy="careful")
    faked.queue.batches.clear()
    assert sweep.enqueue_due(faked.queue) == 0
    assert faked.notifier.events("sweep_held")[-1]["policy_version"] == 2
