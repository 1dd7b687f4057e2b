"""One-click unsubscribe (services/unsubscribe.py) over the fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import Unauthenticated
from tests.unit.services.conftest import ACCOUNT_ID, put_account, stored


@pytest.fixture
def token(links, accounts, faked, tenant):
    put_account(accounts, tenant)
    return links.unsubscribe_url(tenant.tenant_id, ACCOUNT_ID, faked.clock.now()).rsplit("/u/", 1)[1]


def test_one_click_stops_reminder_email_is_audited_and_a_second_click_changes_nothing(unsubscribe, remind, token,
                                                                                      faked, tenant):
    assert unsubscribe.unsubscribe_locale(token) == "es-ES"

    assert unsubscribe.unsubscribe(token) == "es-ES"

    assert stored(faked, tenant).email_suppressed == "unsubscribed"
    event = faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)[-1]
    assert (event.type, event.actor) == ("email_unsubscribed", "debtor:one-click")
    before = faked.stored()
    unsubscribe.unsubscribe(token)
    assert faked.stored() == before
    remind.process(tenant.tenant_id, ACCOUNT_ID)
    assert faked.email.sent == []


def test_the_link_keeps_working_for_a_year(unsubscribe, token, faked, tenant):
    faked.clock.advance(timedelta(days=365))
    unsubscribe.unsubscribe(token)
    assert stored(faked, tenant).email_suppressed == "unsubscribed"


def test_a_portal_link_or_a_tampered_one_unsubscribes_nobody(unsubscribe, links, token, faked, tenant):
    portal_token = links.portal_url(tenant.tenant_id, ACCOUNT_ID, faked.clock.now()).rsplit("/p/", 1)[1]
    before = faked.stored()

    for bad in (portal_token, token[:-1] + ("A" if token[-1] != "A" else "B"), ""):
        with pytest.raises(Unauthenticated):
            unsubscribe.unsubscribe(bad)
    assert faked.stored() == before
