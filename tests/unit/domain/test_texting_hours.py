"""Texting hours by where the debtor lives (issue 10): Florida 08:00-20:00, Connecticut 09:00-20:00, Texas not
before noon on Sunday, every state's rule when the region is unknown; the guard defers an SMS into those hours,
never outside them, and leaves email alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from chalicelib.domain.accounts import Account
from chalicelib.domain.courtesy import (
    STATE_TEXTING_HOURS,
    Allow,
    Defer,
    GuardInput,
    evaluate,
    state_texting_hours_rule,
)
from chalicelib.domain.decision import guard_input
from chalicelib.domain.policies import STANDARD, Policy, SendWindow
from chalicelib.domain.schedule import recipient_zones
from chalicelib.domain.texting_hours import STATE_RULES, texting_hours_for

pytestmark = pytest.mark.unit

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
ALL_WEEK = replace(STANDARD, send_window=SendWindow(time(0, 0), time.max, frozenset(range(7))))


def no_holidays(_country: str | None, _region: str | None):
    return lambda _day: False


def debtor(region: str | None, timezone: str | None = "America/New_York") -> Account:
    return Account("t", "a", "Sam", "en-US", "standard", phone="+12125550123", timezone=timezone, country="US",
                   region=region)


def sms_input(account: Account, when: datetime, policy: Policy = ALL_WEEK, channel: str = "sms") -> GuardInput:
    """What the decision hands the guard for this debtor, owing something, with consent and nothing holding it."""
    inp = guard_input(account, policy, channel, when, no_holidays)
    return replace(inp, balance={"USD": 4900}, sms_consent=True, address="+12125550123")


def test_each_state_rule_cites_its_statute():
    for rules in STATE_RULES.values():
        for rule in rules.values():
            assert any(word in rule.source for word in ("Stat.", "Code")) and rule.region.startswith("US-")


@pytest.mark.parametrize(("country", "region", "regions"), [
    ("US", "FL", ["US-FL"]),
    ("US", "US-CT", ["US-CT"]),  # the ISO 3166-2 form too
    ("US", "tx", ["US-TX"]),
    ("US", "NY", []),  # a state without its own texting hours: the federal hours and the house rule only
    ("US", None, ["US-FL", "US-CT", "US-TX"]),  # unknown: the debtor may live in any of them
    ("ES", None, []),
    (None, None, []),
])
def test_the_rules_that_hold_follow_the_region(country, region, regions):
    assert [rule.region for rule in texting_hours_for(country, region)] == regions


def test_connecticut_texts_wait_until_nine():
    decision = evaluate(sms_input(debtor("CT"), datetime(2026, 12, 1, 8, 30, tzinfo=NEW_YORK)))
    assert decision == Defer(STATE_TEXTING_HOURS, datetime(2026, 12, 1, 9, 0, tzinfo=NEW_YORK))


def test_texas_texts_wait_until_noon_on_sunday_only():
    sunday = datetime(2026, 12, 6, 9, 30, tzinfo=CHICAGO)
    decision = evaluate(sms_input(debtor("TX", "America/Chicago"), sunday))
    assert decision == Defer(STATE_TEXTING_HOURS, datetime(2026, 12, 6, 12, 0, tzinfo=CHICAGO))
    saturday = sunday - timedelta(days=1)
    assert evaluate(sms_input(debtor("TX", "America/Chicago"), saturday)) == Allow()


def test_a_texas_text_deferred_from_saturday_night_lands_on_sunday_noon_not_sunday_morning():
    saturday_night = datetime(2026, 12, 5, 20, 30, tzinfo=CHICAGO)
    decision = evaluate(sms_input(debtor("TX", "America/Chicago"), saturday_night))
    assert isinstance(decision, Defer) and decision.until == datetime(2026, 12, 6, 12, 0, tzinfo=CHICAGO)


def test_florida_texts_stop_at_eight_in_the_evening():
    when = datetime(2026, 12, 1, 20, 30, tzinfo=NEW_YORK)
    assert state_texting_hours_rule(sms_input(debtor("FL"), when), when) == STATE_TEXTING_HOURS
    assert state_texting_hours_rule(sms_input(debtor("FL"), when), when.replace(hour=19)) is None


def test_email_keeps_the_federal_hours_in_those_states():
    when = datetime(2026, 12, 6, 8, 30, tzinfo=NEW_YORK)  # a Sunday, before nine
    assert evaluate(sms_input(debtor(None), when, channel="email")) == Allow()


def test_an_unknown_region_holds_every_states_hours():
    sunday_morning = datetime(2026, 12, 6, 10, 0, tzinfo=NEW_YORK)
    decision = evaluate(sms_input(debtor(None), sunday_morning))
    assert decision == Defer(STATE_TEXTING_HOURS, datetime(2026, 12, 6, 12, 0, tzinfo=NEW_YORK))
    weekday = datetime(2026, 12, 1, 8, 30, tzinfo=NEW_YORK)
    assert evaluate(sms_input(debtor(None), weekday)) == Defer(STATE_TEXTING_HOURS, weekday.replace(hour=9, minute=0))


def test_a_state_without_its_own_hours_is_not_held_to_another_states():
    assert evaluate(sms_input(debtor("NY"), datetime(2026, 12, 6, 10, 0, tzinfo=NEW_YORK))) == Allow()


# --- property: whatever the instant, an SMS the guard lets through or defers to is inside the state's hours ------

ZONES = st.sampled_from(["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", None])
INSTANTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=UTC))
POLICIES = st.sampled_from([STANDARD, ALL_WEEK])


@settings(max_examples=300, deadline=None)
@given(region=st.sampled_from(["FL", "CT", "TX"]), timezone=ZONES, when=INSTANTS, policy=POLICIES)
def test_no_sms_instant_the_guard_chooses_falls_outside_the_states_hours(region, timezone, when, policy):
    account = debtor(region, timezone)
    [rule] = texting_hours_for("US", region)
    inp = sms_input(account, when, policy)
    decision = evaluate(inp)
    if isinstance(decision, Allow):
        chosen = when
    else:
        assert isinstance(decision, Defer), decision  # some decent hour always exists in the US
        chosen = decision.until
        assert evaluate(replace(inp, at=chosen)) == Allow()  # the deferral lands where the guard allows it
    for name in recipient_zones(account):
        local = chosen.astimezone(ZoneInfo(name))
        assert rule.allows(local), (region, name, local)
        assert time(8, 0) <= local.time() < time(20, 0)  # and inside the federal hours and the SMS house rule


def test_the_property_covers_a_sunday_morning_in_texas():
    """The deferral the property relies on, spelled out once: a Sunday 11:59 in Dallas waits one minute."""
    when = datetime(2026, 12, 6, 11, 59, tzinfo=CHICAGO)
    decision = evaluate(sms_input(debtor("TX", "America/Chicago"), when))
    assert isinstance(decision, Defer) and decision.until.astimezone(CHICAGO).time() == time(12, 0)
    assert decision.until.date() == date(2026, 12, 6)
