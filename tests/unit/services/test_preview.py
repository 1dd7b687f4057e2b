"""Policy preview (services/preview.py) over the fakes: what the worker would do, with nothing written or sent."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from tests.support import samples
from tests.unit.services.conftest import ACCOUNT_ID, put_account


def test_a_stored_accounts_coming_messages_are_listed_and_nothing_is_written(preview, accounts, faked, tenant):
    put_account(accounts, tenant)
    before = faked.stored()

    answer = preview.preview(tenant.tenant_id, "standard", {"account_id": ACCOUNT_ID, "days": 30})

    assert answer["account_id"] == ACCOUNT_ID and answer["policy"] == "standard"
    sent = [m for m in answer["messages"] if not m["withheld"]]
    assert sent and sent[0]["channel"] == "email"
    assert [m.get("action") for m in answer["messages"]][-1] == "escalate"
    assert all(m["local_time"].endswith("+01:00") for m in answer["messages"])  # Madrid in winter
    assert faked.stored() == before


def test_a_hypothetical_account_is_previewed_without_being_stored(preview, faked, tenant):
    answer = preview.preview(tenant.tenant_id, "standard", {"account": samples.account(), "days": 10})

    assert answer["account_id"] == "preview" and answer["messages"]
    assert faked.accounts.items == {}


def test_the_preview_agrees_with_the_worker_on_the_first_message(preview, remind, accounts, faked, tenant):
    put_account(accounts, tenant)
    [first, *_] = preview.preview(tenant.tenant_id, "standard", {"account_id": ACCOUNT_ID})["messages"]

    outcome = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (outcome.channel, outcome.template) == (first["channel"], first["template"])


@pytest.mark.parametrize(("name", "body", "error"), [
    ("standard", {"days": 10}, InvalidInput),
    ("standard", {"account_id": ACCOUNT_ID, "account": samples.account()}, InvalidInput),
    ("standard", {"account_id": ACCOUNT_ID, "days": 400}, InvalidInput),
    ("nonexistent", {"account_id": ACCOUNT_ID}, NotFound),
    ("standard", {"account_id": "acct-missing"}, NotFound),
])
def test_a_bad_request_is_refused_and_nothing_is_written(preview, accounts, faked, tenant, name, body, error):
    put_account(accounts, tenant)
    before = faked.stored()
    with pytest.raises(error):
        preview.preview(tenant.tenant_id, name, body)
    assert faked.stored() == before
