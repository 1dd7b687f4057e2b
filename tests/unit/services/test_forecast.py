"""Tomorrow's run (services/forecast.py) over the fakes: what the coming sweeps will send and hold back, and why,
read from the tenant's due index only, writing nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.parsing import parse
from tests.unit.services.conftest import create_tenant, put_account

LATER_INVOICE = {"id": "INV-2", "amount": 1000, "currency": "EUR", "issued_on": "2026-11-20", "due_on": "2026-12-05"}


@pytest.fixture
def forecast(container):
    return container.forecast


def test_what_goes_out_in_the_window_with_its_local_time_and_what_is_held_back(forecast, accounts, faked, tenant):
    put_account(accounts, tenant, "acct-now")  # 16 days overdue: the plan offer at once
    put_account(accounts, tenant, "acct-tomorrow", invoices=[LATER_INVOICE])  # heads-up on 2 December, 09:00 local
    put_account(accounts, tenant, "acct-disputed")
    accounts.set_flag(tenant.tenant_id, "acct-disputed", parse(FlagIn, {"flag": "dispute", "active": True}), "api")
    put_account(accounts, tenant, "acct-later", invoices=[{**LATER_INVOICE, "due_on": "2026-12-20"}])
    before = faked.stored()

    found = forecast.forecast(tenant.tenant_id, 24)

    sent = {(row["account_id"], row["template"]): row for row in found["send"]}
    assert set(sent) == {("acct-now", "plan_offer"), ("acct-tomorrow", "heads_up")}
    assert sent[("acct-tomorrow", "heads_up")]["local_time"].startswith("2026-12-02T09:00:00+01:00")
    assert sent[("acct-now", "plan_offer")]["channel"] == "email"
    [held] = found["hold_back"]
    assert held["account_id"] == "acct-disputed" and held["reason"]
    assert found["counts"] == {"send": 2, "hold_back": 1, "hand_over": 0}
    assert found["breaker"]["would_hold"] is False
    assert faked.stored() == before  # writes nothing


def test_a_shorter_window_leaves_tomorrow_out(forecast, accounts, tenant):
    put_account(accounts, tenant, "acct-now")
    put_account(accounts, tenant, "acct-tomorrow", invoices=[LATER_INVOICE])

    assert [row["account_id"] for row in forecast.forecast(tenant.tenant_id, 2)["send"]] == ["acct-now"]


def test_it_reads_the_due_index_of_that_tenant_only(forecast, accounts, tenants, faked, tenant, monkeypatch):
    other = create_tenant(tenants, name="Globex")
    put_account(accounts, other, "acct-globex")
    put_account(accounts, tenant)

    def no_scan(*_args):
        raise AssertionError("the forecast must not read every account")

    monkeypatch.setattr(faked.accounts, "all_of", no_scan)
    monkeypatch.setattr(faked.accounts, "due", no_scan)
    found = forecast.forecast(tenant.tenant_id, 24)

    assert [row["account_id"] for row in found["send"]] == ["acct-1"]


def test_the_forecast_says_when_the_breaker_would_hold_the_run(forecast, accounts, faked, tenant):
    for n in range(51):
        put_account(accounts, tenant, f"acct-{n:03d}")

    outlook = forecast.forecast(tenant.tenant_id, 24)["breaker"]

    assert outlook["would_hold"] is True and outlook["would_send"] == 51 and outlook["threshold"] == 50


def test_the_forecast_says_when_a_policys_first_run_awaits_approval(forecast, accounts, policies, container, tenant):
    from tests.support import samples

    policies.put(tenant.tenant_id, "careful", {**samples.POLICY, "require_approval_first_run": True})
    put_account(accounts, tenant, "acct-careful", policy="careful")  # far below the floor: only the flag holds it

    outlook = forecast.forecast(tenant.tenant_id, 24)["breaker"]

    assert outlook["would_hold"] is True and outlook["first_run"] == {"policy": "careful", "policy_version": 1}
    container.sweep.enqueue_due(container.queue())  # the sweep holds it for that reason
    container.breaker.approve(tenant.tenant_id, "cli")
    container.sweep.enqueue_due(container.queue())  # approved and released: that version runs freely now
    assert forecast.forecast(tenant.tenant_id, 24)["breaker"]["first_run"] is None


def test_a_night_time_account_is_forecast_for_the_morning(forecast, accounts, faked, tenant):
    faked.clock.set(datetime(2026, 12, 1, 22, 30, tzinfo=UTC))  # 23:30 in Madrid
    put_account(accounts, tenant)

    [row] = forecast.forecast(tenant.tenant_id, 24)["send"]

    assert row["local_time"].startswith("2026-12-02T09:00:00+01:00") and row["waited_for"] == "quiet_hours"


def test_bad_input_is_refused(forecast, tenant):
    with pytest.raises(InvalidInput):
        forecast.forecast(tenant.tenant_id, 0)
    with pytest.raises(NotFound):
        forecast.forecast("ten_nobody", 24)
