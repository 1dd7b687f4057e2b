"""What SES says back (services/feedback.py) over the fakes: a hard bounce or a complaint stops email, is audited
and told to finance, once; engagement is noted on the outbox; anything else changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.domain.messages import account_tag
from tests.unit.services.conftest import ACCOUNT_ID, put_account, stored


@pytest.fixture
def sent(remind, accounts, faked, tenant):
    """A reminder went out; its SES tags are how SES's events find it."""
    put_account(accounts, tenant)
    remind.process(tenant.tenant_id, ACCOUNT_ID)
    [email] = faked.email.sent
    return email


def ses_event(email, kind, **detail):
    return {"eventType": kind, "mail": {"tags": {name: [value] for name, value in email.tags.items()}}, **detail}


def bounce(email, bounce_type="Permanent", address="ana@example.com"):
    return ses_event(email, "Bounce", bounce={"bounceType": bounce_type,
                                              "bouncedRecipients": [{"emailAddress": address}]})


def test_a_hard_bounce_stops_email_is_audited_and_finance_hears_once(feedback, sent, faked, tenant):
    assert feedback.record(bounce(sent)) == "bounced"

    assert stored(faked, tenant).email_suppressed == "bounced"
    event = faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)[-1]
    assert (event.type, event.actor) == ("email_bounced", "ses")
    assert "ana@example.com" not in str(event.details)
    [problem] = faked.notifier.events("delivery_problem")
    assert problem["problem"] == "bounced"

    before = faked.stored()
    assert feedback.record(bounce(sent)) == "already_suppressed"
    assert faked.stored() == before


def test_a_complaint_stops_email_too(feedback, sent, faked, tenant):
    complaint = ses_event(sent, "Complaint", complaint={"complainedRecipients": [{"emailAddress": "ANA@example.com"}]})
    assert feedback.record(complaint) == "complained"
    assert stored(faked, tenant).email_suppressed == "complained"


@pytest.mark.parametrize(("event", "answer"), [
    (lambda email: bounce(email, "Transient"), "noted"),
    (lambda email: bounce(email, address="old@example.com"), "address_changed"),
    (lambda email: {"eventType": "Bounce", "mail": {"tags": {}}}, "untracked"),
    (lambda email: {**bounce(email), "mail": {"tags": {**{k: [v] for k, v in email.tags.items()},
                                                        "account": [account_tag("acct-gone")]}}}, "unknown_account"),
])
def test_what_is_not_a_lasting_problem_of_this_address_changes_nothing(feedback, sent, faked, event, answer):
    before = faked.stored()
    assert feedback.record(event(sent)) == answer
    assert faked.stored() == before


def test_delivery_and_opens_are_noted_on_the_message_in_the_outbox(feedback, sent, faked, tenant):
    assert feedback.record(ses_event(sent, "Delivery")) == "delivered"
    assert feedback.record(ses_event(sent, "Open")) == "opened"

    [entry] = faked.accounts.outbox.values()
    assert set(entry.engagement) == {"delivered", "opened"}


def test_each_engagement_is_audited_once_per_message_without_personal_data(feedback, sent, faked, tenant):
    for kind in ("Delivery", "Open", "Open", "Click", "Delivery", "Click"):
        feedback.record(ses_event(sent, kind))

    events = [e for e in faked.accounts.events(tenant.tenant_id, ACCOUNT_ID) if e.actor == "ses"]
    assert [e.type for e in events] == ["email_delivered", "email_opened", "email_clicked"]
    message_id = sent.tags["message_id"]
    assert all(e.details == {"message_id": message_id, "channel": "email"} for e in events)
    assert "ana@example.com" not in str([e.to_dict() for e in events])
    # opens and clicks are kept as signals of when the debtor reads; a delivery is not the debtor's doing
    assert sorted(s.kind for s in stored(faked, tenant).engagement) == ["clicked", "opened"]


def test_a_second_open_of_the_same_message_writes_nothing(feedback, sent, faked):
    assert feedback.record(ses_event(sent, "Open")) == "opened"
    before = faked.stored()
    assert feedback.record(ses_event(sent, "Open")) == "already_noted"
    assert faked.stored() == before
    unknown = ses_event(sent, "Click")
    unknown["mail"]["tags"]["message_id"] = ["msg_unknown"]
    assert feedback.record(unknown) == "unknown_message"


def test_an_address_on_ses_suppression_list_is_suppressed_like_a_bounce_and_says_why(feedback, sent, faked, tenant):
    # SES accepts the send, drops it (the address bounced or complained before, maybe for another tenant) and
    # reports a permanent bounce of sub-type OnAccountSuppressionList: Kindly stops email there and audits why.
    dropped = ses_event(sent, "Bounce", bounce={
        "bounceType": "Permanent", "bounceSubType": "OnAccountSuppressionList",
        "bouncedRecipients": [{"emailAddress": "ana@example.com", "diagnosticCode": "on the suppression list"}]})

    assert feedback.record(dropped) == "bounced"

    assert stored(faked, tenant).email_suppressed == "bounced"
    event = faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)[-1]
    assert event.type == "email_bounced"
    assert (event.details["bounce_type"], event.details["bounce_sub_type"]) == ("Permanent", "OnAccountSuppressionList")
    assert "ana@example.com" not in str(event.details)
    assert [e["problem"] for e in faked.notifier.events("delivery_problem")] == ["bounced"]


def test_an_open_is_a_signal_at_the_moment_ses_says_it_happened_not_when_the_event_arrives(feedback, sent, faked,
                                                                                           tenant):
    opened_at = "2026-11-28T19:40:00.000Z"
    assert feedback.record(ses_event(sent, "Open", open={"timestamp": opened_at},
                                     mail={"tags": {k: [v] for k, v in sent.tags.items()},
                                           "timestamp": "2026-11-27T09:00:00.000Z"})) == "opened"

    [signal] = stored(faked, tenant).engagement
    assert signal.at == datetime(2026, 11, 28, 19, 40, tzinfo=UTC)  # open.timestamp, not mail.timestamp (the send)
    [entry] = faked.accounts.outbox.values()
    assert entry.engagement["opened"] == "2026-11-28T19:40:00Z"
    # the audit trail is written when Kindly learns of it: its own clock
    [event] = [e for e in faked.accounts.events(tenant.tenant_id, ACCOUNT_ID) if e.type == "email_opened"]
    assert event.at == faked.clock.now()


@pytest.mark.parametrize("stamp", [None, "not a time", "2026-11-28T19:40:00", 1764358800])
def test_without_a_readable_timestamp_of_its_own_the_open_is_dated_by_the_clock(feedback, sent, faked, tenant, stamp):
    detail = {} if stamp is None else {"open": {"timestamp": stamp}}
    assert feedback.record(ses_event(sent, "Open", **detail)) == "opened"
    [signal] = stored(faked, tenant).engagement
    assert signal.at == faked.clock.now()
