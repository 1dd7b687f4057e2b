"""SES's own events flow back: a hard bounce or a complaint stops email to that address and tells finance;
deliveries, opens and clicks are noted on the message and audited once each."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from chalicelib.domain.messages import account_tag
from tests.aws.conftest import sent_emails
from tests.aws.test_first_reminder import auth, sweep
from tests.aws.test_webhooks import _received, _subscribe_to_finance
from tests.support.samples import account, assert_finance_event

SAMPLE = json.loads((Path(__file__).resolve().parents[2] / "events" / "email_events_sns_bounce.json").read_text())


@pytest.fixture
def reminded(client, aws, tenant):
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    assert sweep(aws, "2026-12-01T09:00:00Z")["sent"] == 1
    events = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"]
    message_id = next(e["details"]["message_id"] for e in events if e["type"] == "message_sent")
    return {**tenant, "message_id": message_id}


def ses_event(reminded, event_type="Bounce", **changes):
    """The sample SNS delivery, re-pointed at this test's tenant, account and message."""
    event = copy.deepcopy(SAMPLE)
    ses = json.loads(event["Records"][0]["Sns"]["Message"])
    ses["eventType"] = event_type
    ses["mail"]["tags"].update(tenant_id=[reminded["tenant_id"]], account=[account_tag("acct-1")],
                               message_id=[reminded["message_id"]])
    if event_type == "Complaint":
        ses.pop("bounce")
        ses["complaint"] = {"complainedRecipients": [{"emailAddress": "Ana@Example.com"}]}
    ses.update(changes)
    event["Records"][0]["Sns"]["Message"] = json.dumps(ses)
    return event


def get_account(client, tenant):
    return json.loads(client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body)


@pytest.mark.parametrize("event_type, problem", [("Bounce", "bounced"), ("Complaint", "complained")])
def test_a_hard_bounce_or_complaint_stops_email_and_tells_finance(client, aws, reminded, event_type, problem):
    finance = _subscribe_to_finance(aws)

    client.lambda_.invoke("email_events", ses_event(reminded, event_type))
    client.lambda_.invoke("email_events", ses_event(reminded, event_type))  # SNS may deliver twice

    assert get_account(client, reminded)["contact"]["email_suppressed"] == problem
    timeline = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(reminded)).body)["events"]
    assert [(e["type"], e["actor"]) for e in timeline].count((f"email_{problem}", "ses")) == 1
    assert "ana@example.com" not in json.dumps(timeline[-1]).lower()
    notices = _received(aws, finance)
    assert [(n["type"], n["problem"]) for n in notices] == [("delivery_problem", problem)]
    assert_finance_event(notices[0], "delivery_problem")

    # And the next email step is withheld for the address, not sent
    sweep(aws, "2026-12-12T09:00:00Z")
    assert len(sent_emails()) == 1


def test_a_soft_bounce_changes_nothing_and_an_old_address_bounce_is_ignored(client, aws, reminded):
    soft = ses_event(reminded, bounce={"bounceType": "Transient", "bouncedRecipients": [
        {"emailAddress": "ana@example.com"}]})
    client.lambda_.invoke("email_events", soft)
    assert get_account(client, reminded)["contact"]["email_suppressed"] is None

    client.http.put("/v1/accounts/acct-1", headers=auth(reminded), body=json.dumps(account(email="ana@new.example")))
    client.lambda_.invoke("email_events", ses_event(reminded))  # the bounce was for the old address
    assert get_account(client, reminded)["contact"]["email_suppressed"] is None


def test_delivery_and_open_are_noted_on_the_outbox_message(client, aws, reminded):
    client.lambda_.invoke("email_events", ses_event(reminded, "Delivery", delivery={"timestamp": "x"}))
    client.lambda_.invoke("email_events", ses_event(reminded, "Open", open={"timestamp": "y"}))
    model = aws.models.messages
    item = model.get(f"{reminded['tenant_id']}#acct-1", reminded["message_id"])
    assert item.delivered_at and item.opened_at and item.clicked_at is None


def test_delivery_open_and_click_reach_the_audit_trail_once_each(client, aws, reminded):
    for kind, detail in (("Delivery", "delivery"), ("Open", "open"), ("Open", "open"), ("Click", "click"),
                         ("Delivery", "delivery")):
        client.lambda_.invoke("email_events", ses_event(reminded, kind, **{detail: {"timestamp": "x"}}))
    timeline = client.http.get("/v1/accounts/acct-1/timeline", headers=auth(reminded))
    events = [e for e in json.loads(timeline.body)["events"] if e["actor"] == "ses"]
    assert [e["type"] for e in events] == ["email_delivered", "email_opened", "email_clicked"]
    assert all(e["details"] == {"message_id": reminded["message_id"], "channel": "email"} for e in events)


def test_events_for_mail_kindly_did_not_send_are_ignored(client, aws, reminded):
    event = ses_event(reminded)
    ses = json.loads(event["Records"][0]["Sns"]["Message"])
    ses["mail"]["tags"] = {}
    event["Records"][0]["Sns"]["Message"] = json.dumps(ses)
    client.lambda_.invoke("email_events", event)
    assert get_account(client, reminded)["contact"]["email_suppressed"] is None
