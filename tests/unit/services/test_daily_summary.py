"""The daily summary email (services/daily_summary.py) over the fakes: due in the hour before the first window,
once a local day, only for tenants that asked; a refused send is tried again by the next run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound, PermanentSendError
from tests.unit.services.conftest import create_tenant, put_account

# Tuesday 1 December, Madrid (UTC+1): the standard window opens at 09:00 local, 08:00 UTC.
DUE = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)


@pytest.fixture
def summary(container):
    return container.daily_summary


@pytest.fixture
def asked(summary, tenant):
    summary.set_address(tenant.tenant_id, "finance@acme.example.com")
    return tenant


def run_at(faked, summary, instant):
    faked.clock.set(instant)
    return summary.send_due()


def test_it_is_sent_once_in_the_hour_before_the_window_and_not_outside_it(faked, summary, asked, accounts):
    put_account(accounts, asked, "acct-1")

    assert run_at(faked, summary, datetime(2026, 12, 1, 6, 59, tzinfo=UTC))["sent"] == 0
    assert run_at(faked, summary, DUE) == {"sent": 1, "failed": 0}
    assert run_at(faked, summary, datetime(2026, 12, 1, 7, 45, tzinfo=UTC))["sent"] == 0
    assert run_at(faked, summary, datetime(2026, 12, 1, 8, 0, tzinfo=UTC))["sent"] == 0

    [sent] = faked.email.to("finance@acme.example.com")
    assert sent.tags == {"tenant_id": asked.tenant_id, "purpose": "daily_summary"}
    assert sent.sender == "billing@acme.example.com"
    assert "Will be sent: 1 email" in sent.message.text and "acct-1" not in sent.message.text


def test_a_refused_send_is_tried_again_by_the_next_run(faked, summary, asked):
    faked.email.fail_next(PermanentSendError("rejected"))

    assert run_at(faked, summary, DUE) == {"sent": 0, "failed": 1}
    assert run_at(faked, summary, datetime(2026, 12, 1, 7, 45, tzinfo=UTC)) == {"sent": 1, "failed": 0}


def test_only_tenants_that_asked_get_it(faked, summary, asked, tenants):
    other = create_tenant(tenants, name="Globex", sender_email="ar@globex.example.com")

    run_at(faked, summary, DUE)

    assert [email.recipient for email in faked.email.sent] == ["finance@acme.example.com"]
    assert summary.address(other.tenant_id) is None


def test_a_bad_address_or_an_unknown_tenant_is_refused_and_nothing_is_kept(faked, summary, tenant):
    with pytest.raises(InvalidInput) as refused:
        summary.set_address(tenant.tenant_id, "finance at acme")
    assert refused.value.field == "daily_summary_to"
    with pytest.raises(NotFound):
        summary.set_address("t_nobody", "finance@acme.example.com")
    assert faked.console.summary_to == {}


def test_an_empty_address_stops_it(faked, summary, asked):
    assert summary.set_address(asked.tenant_id, "  ") is None
    assert run_at(faked, summary, DUE)["sent"] == 0
