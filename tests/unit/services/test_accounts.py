"""Intake (services/accounts.py) over the fakes: upsert, read and flag an account; refusals change nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.parsing import parse
from tests.support import samples
from tests.unit.services.conftest import ACCOUNT_ID, NOW, put_account, stored


def test_a_new_account_is_stored_audited_scheduled_and_findable_by_its_processor_ids(accounts, faked, tenant):
    account, created = accounts.upsert(tenant.tenant_id, ACCOUNT_ID, samples.account(), "api")

    assert created is True
    assert stored(faked, tenant) == account
    assert accounts.get(tenant.tenant_id, ACCOUNT_ID) == account
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID) == ["account_created"]
    assert account.balance() == {"EUR": 4900} and account.next_action_at is not None
    ref = faked.accounts.account_for_ref(f"{tenant.tenant_id}#customer#stripe#cus_Q1w2e3")
    assert ref == (tenant.tenant_id, ACCOUNT_ID)


def test_the_same_body_again_writes_nothing_and_a_change_is_audited(accounts, faked, tenant):
    put_account(accounts, tenant)
    writes = faked.accounts.writes

    again, created = accounts.upsert(tenant.tenant_id, ACCOUNT_ID, samples.account(), "api")
    assert created is False and faked.accounts.writes == writes

    changed, created = accounts.upsert(tenant.tenant_id, ACCOUNT_ID, samples.account(name="Ana G. López"), "api")
    assert created is False and changed.name == "Ana G. López"
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID) == ["account_created", "account_updated"]


@pytest.mark.parametrize(("account_id", "body", "field"), [
    ("acct-1", samples.account(policy="nonexistent"), "policy"),
    ("acct-1", samples.account(email="not an address"), "email"),
    ("acct 1", samples.account(), "account_id"),
    ("acct-1", "{not json", None),
])
def test_a_bad_account_is_refused_naming_its_field_and_nothing_is_written(accounts, faked, tenant, account_id,
                                                                          body, field):
    before = faked.stored()

    with pytest.raises(InvalidInput) as refused:
        accounts.upsert(tenant.tenant_id, account_id, body, "api")

    if field is not None:
        assert refused.value.field == field
    assert faked.stored() == before


def test_an_upsert_that_loses_a_race_is_read_again_and_applied(accounts, faked, tenant):
    put_account(accounts, tenant)

    def another_writer() -> None:  # say, a reminder going out at that moment
        current = stored(faked, tenant)
        current.record(NOW, "message_withheld", "system", {"rule": "test"})
        faked.accounts.save(current)

    faked.accounts.before_next_write(another_writer)
    changed, _ = accounts.upsert(tenant.tenant_id, ACCOUNT_ID, samples.account(name="Ana B."), "api")

    assert stored(faked, tenant).name == "Ana B." == changed.name
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID) == [
        "account_created", "message_withheld", "account_updated"]


def test_reading_an_account_that_does_not_exist_is_not_found(accounts, tenant):
    with pytest.raises(NotFound):
        accounts.get(tenant.tenant_id, "acct-missing")


def test_a_flag_holds_the_account_until_its_day_and_is_audited(accounts, faked, tenant):
    put_account(accounts, tenant)
    until = date(2026, 12, 20)

    flagged = accounts.set_flag(tenant.tenant_id, ACCOUNT_ID, parse(FlagIn, {
        "flag": "dispute", "active": True, "until": until.isoformat(), "note": "customer called"}), "api")

    assert flagged.state == "paused" and flagged.flags["dispute"].until == until
    assert stored(faked, tenant) == flagged
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-1] == "flag_set"


def test_a_flag_ending_today_or_on_a_missing_account_is_refused_and_changes_nothing(accounts, faked, tenant):
    put_account(accounts, tenant)
    before = faked.stored()
    today = NOW.date()

    with pytest.raises(InvalidInput) as refused:
        accounts.set_flag(tenant.tenant_id, ACCOUNT_ID, parse(FlagIn, {"flag": "dispute", "active": True,
                                                                        "until": today.isoformat()}), "api")
    assert refused.value.field == "until"
    with pytest.raises(NotFound):
        accounts.set_flag(tenant.tenant_id, "acct-missing", parse(FlagIn, {
            "flag": "dispute", "active": True, "until": (today + timedelta(days=3)).isoformat()}), "api")
    assert faked.stored() == before
