"""The audit trail (services/audit.py) over the fakes: the timeline in order, and a check that finds tampering."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from chalicelib.domain.audit import UnreadableEvent
from chalicelib.domain.errors import NotFound
from tests.unit.services.conftest import ACCOUNT_ID, pay, put_account


@pytest.fixture
def trail(accounts, remind, payments, faked, tenant):
    put_account(accounts, tenant)
    remind.process(tenant.tenant_id, ACCOUNT_ID)
    pay(payments, faked, tenant)
    return faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)


def test_an_untouched_trail_verifies_and_reads_in_order(audit, trail, tenant):
    result = audit.verify(tenant.tenant_id, ACCOUNT_ID)

    assert (result.ok, result.first_broken_seq, result.events) == (True, None, len(trail))
    timeline = audit.timeline(tenant.tenant_id, ACCOUNT_ID)
    assert [e.seq for e in timeline] == list(range(1, len(trail) + 1))
    assert timeline[0].type == "account_created" and timeline[-1].type == "payment_succeeded"


def test_a_changed_event_breaks_the_chain_at_its_seq(audit, trail, faked, tenant):
    faked.accounts.tamper(tenant.tenant_id, ACCOUNT_ID, replace(trail[1], details={**trail[1].details, "x": 1}))

    result = audit.verify(tenant.tenant_id, ACCOUNT_ID)

    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_an_unreadable_event_keeps_its_place_and_breaks_the_chain_there(audit, trail, faked, tenant):
    faked.accounts.tamper(tenant.tenant_id, ACCOUNT_ID, UnreadableEvent(3, "details are not JSON"))

    assert audit.verify(tenant.tenant_id, ACCOUNT_ID).first_broken_seq == 3
    assert isinstance(audit.timeline(tenant.tenant_id, ACCOUNT_ID)[2], UnreadableEvent)


def test_a_deleted_last_event_no_longer_reaches_the_head_kept_on_the_account(audit, trail, faked, tenant):
    del faked.accounts.trails[(tenant.tenant_id, ACCOUNT_ID)][len(trail)]

    result = audit.verify(tenant.tenant_id, ACCOUNT_ID)

    assert (result.ok, result.first_broken_seq) == (False, len(trail))


def test_the_trail_of_an_account_that_does_not_exist_is_not_found(audit, tenant):
    with pytest.raises(NotFound):
        audit.verify(tenant.tenant_id, "acct-missing")
    with pytest.raises(NotFound):
        audit.timeline(tenant.tenant_id, "acct-missing")
