"""The sweep (services/sweep.py) over the fakes: due accounts become queue messages, one tenant's only when asked."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.unit.services.conftest import create_tenant, put_account


def keys(bodies):
    return sorted((body["tenant_id"], body["account_id"]) for body in bodies)


def test_a_tenant_sweep_enqueues_that_tenants_due_accounts_only(sweep, accounts, tenants, faked, tenant):
    other = create_tenant(tenants, name="Globex")
    for account_id in ("acct-1", "acct-2"):
        put_account(accounts, tenant, account_id)
    put_account(accounts, other, "acct-9")

    assert sweep.enqueue_due(faked.queue, tenant.tenant_id) == 2

    assert keys(faked.queue.bodies) == [(tenant.tenant_id, "acct-1"), (tenant.tenant_id, "acct-2")]
    assert all(body["due_by"] == "2026-12-01T10:00:00Z" and body["snapshot"] for body in faked.queue.bodies)


def test_the_scheduled_sweep_reads_every_shard_of_every_tenant(sweep, accounts, tenants, faked, tenant):
    other = create_tenant(tenants, name="Globex")
    expected = []
    for n in range(12):  # enough accounts to land in every shard
        owner = tenant if n % 2 else other
        put_account(accounts, owner, f"acct-{n}")
        expected.append((owner.tenant_id, f"acct-{n}"))

    assert sweep.enqueue_due(faked.queue) == 12

    assert keys(faked.queue.bodies) == sorted(expected)


def test_accounts_not_yet_due_or_with_nothing_to_do_stay_out_of_the_queue(sweep, accounts, faked, tenant):
    put_account(accounts, tenant, "acct-paid", invoices=[])  # owes nothing: no next action
    put_account(accounts, tenant, "acct-later", invoices=[{
        "id": "INV-2", "amount": 1000, "currency": "EUR", "issued_on": "2026-11-20", "due_on": "2026-12-20"}])
    before = faked.stored()[0]

    assert sweep.enqueue_due(faked.queue, tenant.tenant_id) == 0
    assert faked.queue.batches == [[]]
    assert faked.stored()[0] == before  # the sweep only reads

    faked.clock.set(datetime(2026, 12, 18, 10, 0, tzinfo=UTC))  # the heads-up, three days before it is due
    assert sweep.enqueue_due(faked.queue, tenant.tenant_id) == 1
    assert keys(faked.queue.batches[-1]) == [(tenant.tenant_id, "acct-later")]


def test_what_the_sweep_enqueues_is_what_the_worker_needs(sweep, remind, accounts, faked, tenant):
    put_account(accounts, tenant)
    sweep.enqueue_due(faked.queue, tenant.tenant_id)
    [item] = faked.queue.bodies

    outcome = remind.process(item["tenant_id"], item["account_id"], item["snapshot"])

    assert outcome.kind == "sent" and len(faked.email.sent) == 1
