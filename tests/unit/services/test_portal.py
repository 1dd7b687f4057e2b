"""The debtor's page (services/portal.py) over the fakes: what it shows, and each choice, audited as the debtor's;
a bad link or choice changes nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput, Unauthenticated
from tests.unit.services.conftest import ACCOUNT_ID, put_account, stored


@pytest.fixture
def token(links, accounts, faked, tenant):
    put_account(accounts, tenant)
    return links.portal_url(tenant.tenant_id, ACCOUNT_ID, faked.clock.now()).rsplit("/p/", 1)[1]


def last_event(faked, tenant):
    return faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)[-1]


def test_the_page_shows_what_is_owed_and_what_the_debtor_may_do(portal, token, tenant):
    page = portal.view(token).page()

    assert page["tenant_name"] == "Acme Ltd" and page["debtor_name"] == "Ana García"
    assert page["balances"] == [(4900, "EUR")]
    assert [i["id"] for i in page["invoices"]] == ["INV-1001"]
    assert page["can_pause"] and page["can_dispute"] and page["email_on"] and page["language"] == "es"


def test_a_pause_holds_reminders_for_the_policys_days_tells_finance_and_a_second_click_changes_nothing(
        portal, token, faked, tenant):
    portal.pause(token)

    account = stored(faked, tenant)
    assert account.state == "paused"
    assert account.flags["hardship"].until == date(2026, 12, 1) + timedelta(days=30)
    event = last_event(faked, tenant)
    assert (event.type, event.actor) == ("flag_set", "debtor:portal")
    [told] = faked.notifier.events("hardship_requested")
    assert told["account_id"] == ACCOUNT_ID

    before = faked.stored()
    portal.pause(token)
    assert faked.stored() == before


def test_a_second_pause_in_a_year_is_refused_once_the_first_is_over(portal, token, faked, tenant):
    portal.pause(token)
    faked.clock.advance(timedelta(days=40))
    before = faked.stored()

    with pytest.raises(Conflict) as refused:
        portal.pause(token)

    assert refused.value.field == "pause"
    assert faked.stored() == before


def test_a_dispute_stops_reminders_and_tells_finance_once(portal, remind, token, faked, tenant):
    portal.dispute(token, "  I cancelled   in October ")

    account = stored(faked, tenant)
    assert account.flags["dispute"].note == "I cancelled in October"
    assert [e["type"] for e in faked.notifier.events()] == ["dispute_opened"]
    portal.dispute(token, "again")
    assert len(faked.notifier.events()) == 1
    assert remind.process(tenant.tenant_id, ACCOUNT_ID).reason == "dispute_open"


def test_preferences_change_the_language_channels_and_hours(portal, token, faked, tenant):
    portal.preferences(token, {"language": "en", "email": "on", "hours_from": "10:00", "hours_until": "12:00"})

    account = stored(faked, tenant)
    assert account.message_locale == "en" and account.sms_opted_out is True
    assert [t.strftime("%H:%M") for t in account.preferred_hours] == ["10:00", "12:00"]
    assert last_event(faked, tenant).type == "preferences_changed"


@pytest.mark.parametrize("form", [
    {"language": "xx", "email": "on"},
    {"language": "es", "hours_from": "12:00", "hours_until": "10:00"},
    {"language": "es", "hours_from": "03:00", "hours_until": "10:00"},
])
def test_a_choice_the_page_does_not_offer_is_refused_and_changes_nothing(portal, token, faked, form):
    before = faked.stored()
    with pytest.raises(InvalidInput):
        portal.preferences(token, form)
    assert faked.stored() == before


def test_a_note_too_long_is_refused_before_anything_changes(portal, token, faked):
    before = faked.stored()
    with pytest.raises(InvalidInput) as refused:
        portal.dispute(token, "x" * 1001)
    assert refused.value.field == "note"
    assert faked.stored() == before


def test_a_tampered_expired_or_unsubscribe_link_opens_nothing(portal, links, token, faked, tenant):
    unsubscribe_token = links.unsubscribe_url(tenant.tenant_id, ACCOUNT_ID, faked.clock.now()).rsplit("/u/", 1)[1]
    before = faked.stored()

    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), unsubscribe_token):
        with pytest.raises(Unauthenticated):
            portal.view(bad)
        with pytest.raises(Unauthenticated):
            portal.pause(bad)
    faked.clock.advance(timedelta(days=46))
    with pytest.raises(Unauthenticated):
        portal.dispute(token, "")
    assert faked.stored() == before


def test_what_the_debtor_does_on_the_page_is_kept_as_a_moment_they_read_and_act(portal, token, faked, tenant):
    assert stored(faked, tenant).engagement == []
    portal.dispute(token, "")

    [signal] = stored(faked, tenant).engagement
    assert (signal.kind, signal.at) == ("visited", faked.clock.now())
