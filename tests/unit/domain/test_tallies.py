"""Each audit event adds to the account's running tallies; a chain of events gives the finance figures."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.accounts import Account
from chalicelib.domain.tallies import tally_keys

T = datetime(2026, 12, 1, 9, tzinfo=UTC)


def test_events_count_by_channel_rule_flag_and_payment_kind():
    assert tally_keys("message_sent", {"channel": "sms"}) == ["sent:sms"]
    assert tally_keys("message_withheld", {"rule": "quiet_hours"}) == ["withheld:quiet_hours"]
    assert tally_keys("message_deferred", {"rule": "daily_cap"}) == ["deferred:daily_cap"]
    assert tally_keys("flag_set", {"flag": "dispute"}) == ["flag:dispute"]
    assert tally_keys("refund", {}) == ["refund"]
    assert tally_keys("account_updated", {"balance": {}}) == []


def test_what_ses_says_of_engagement_leaves_the_figures_alone_and_the_new_rules_count_as_any_rule():
    for seen in ("email_delivered", "email_opened", "email_clicked"):
        assert tally_keys(seen, {"message_id": "msg_1", "channel": "email"}) == []
    assert tally_keys("message_withheld", {"rule": "pays_on_time"}) == ["withheld:pays_on_time"]
    assert tally_keys("message_deferred", {"rule": "engagement_timing"}) == ["deferred:engagement_timing"]


def test_plan_offers_and_each_step_of_a_plans_life_are_counted():
    assert tally_keys("message_sent", {"channel": "email", "template": "plan_offer"}) == ["sent:email", "plans:offered"]
    assert tally_keys("message_sent", {"channel": "email", "template": "gentle_reminder"}) == ["sent:email"]
    assert [tally_keys(t, {}) for t in ("plan_created", "plan_completed", "plan_broken", "plan_cancelled")] == [
        ["plans:started"], ["plans:completed"], ["plans:broken"], ["plans:cancelled"]]
    assert tally_keys("settled_for_less", {"forgiven": 490}) == ["settled_for_less"]
    assert tally_keys("promise_made", {}) == []


def test_recording_events_keeps_the_tallies_on_the_account():
    acct = Account("t", "a", "Ana", "en-GB", "standard", timezone="Europe/London")
    acct.record(T, "message_sent", "system", {"channel": "email"})
    acct.record(T, "message_sent", "system", {"channel": "email"})
    acct.record(T, "message_withheld", "system", {"rule": "dispute_open"})
    assert acct.tallies == {"sent:email": 2, "withheld:dispute_open": 1}



def test_hard_bounces_and_complaints_are_tallied_for_the_deliverability_rates():
    assert tally_keys("email_bounced", {"bounce_type": "Permanent"}) == ["email_bounced"]
    assert tally_keys("email_complained", {}) == ["email_complained"]
