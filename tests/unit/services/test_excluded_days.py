"""Days the tenant excludes, over the fakes: set through the tenant service, they hold the worker's reminders
until the next open day (the audit cites the setting), the preview shows the same, and bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from tests.unit.services.conftest import ACCOUNT_ID, put_account, stored

# NOW (conftest) is Tuesday 1 December 2026, 11:00 in Madrid.
CLOSED = {"excluded_days": ["2026-12-02", "2026-12-01", "2026-12-01"]}


def test_the_days_are_stored_in_order_once_each_and_cleared_by_an_empty_list(tenants, faked, tenant):
    updated = tenants.set_excluded_days(tenant.tenant_id, CLOSED)
    assert updated.to_dict()["excluded_days"] == ["2026-12-01", "2026-12-02"]
    assert tenants.get(tenant.tenant_id).excluded_days == updated.excluded_days  # the cached tenant follows
    assert faked.tenants.get(tenant.tenant_id).excluded_days == updated.excluded_days
    assert tenants.set_excluded_days(tenant.tenant_id, {"excluded_days": []}).excluded_days == ()


@pytest.mark.parametrize("body", [{"excluded_days": ["2026-13-01"]}, {"excluded_days": "2026-12-01"},
                                  {"days": ["2026-12-01"]}, {"excluded_days": ["2026-12-01"] * 367}])
def test_bad_days_are_refused_naming_the_field_and_nothing_changes(tenants, faked, tenant, body):
    tenants.set_excluded_days(tenant.tenant_id, CLOSED)
    before = faked.stored()
    with pytest.raises(InvalidInput) as refused:
        tenants.set_excluded_days(tenant.tenant_id, body)
    assert refused.value.field.startswith(("excluded_days", "days"))
    assert faked.stored() == before


def test_an_unknown_tenant_is_not_found(tenants):
    with pytest.raises(NotFound):
        tenants.set_excluded_days("ten_nobody", {"excluded_days": []})


def test_a_reminder_due_on_an_excluded_day_goes_out_the_next_open_day(tenants, accounts, remind, faked, tenant):
    tenants.set_excluded_days(tenant.tenant_id, CLOSED)
    put_account(accounts, tenant)

    deferred = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (deferred.kind, deferred.reason) == ("deferred", "tenant_closed")
    assert deferred.until == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)  # Thursday 09:00 in Madrid
    assert faked.email.sent == []
    event = faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)[-1]
    assert event.type == "message_deferred"
    assert (event.details["rule"], event.details["tenant_setting"]) == ("tenant_closed", "excluded_days")

    faked.clock.set(deferred.until)
    sent = remind.process(tenant.tenant_id, ACCOUNT_ID)
    assert sent.kind == "sent" and len(faked.email.sent) == 1
    assert stored(faked, tenant).next_action_at > deferred.until


def test_the_preview_holds_the_same_days(tenants, accounts, preview, tenant):
    put_account(accounts, tenant)
    before = preview.preview(tenant.tenant_id, "standard", {"account_id": ACCOUNT_ID, "days": 3})["messages"]
    tenants.set_excluded_days(tenant.tenant_id, CLOSED)
    after = preview.preview(tenant.tenant_id, "standard", {"account_id": ACCOUNT_ID, "days": 3})["messages"]
    assert (before[0]["at"], before[0]["deferred_by"]) == ("2026-12-01T10:00:00Z", None)
    assert (after[0]["at"], after[0]["deferred_by"]) == ("2026-12-03T08:00:00Z", "tenant_closed")
