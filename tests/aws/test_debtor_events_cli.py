"""`kindly sms receive` and `kindly ses event` on moto: what AWS would publish to the sms-inbound and email-events
topics, built by hand and handed to the sms_inbound and email_events handlers, with what they did printed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from chalicelib.local.sns_events import inbound_sms, ses_event, sns_notification
from tests.aws.conftest import sent_sms
from tests.aws.test_email_feedback import reminded  # noqa: F401 - a reminder email went out
from tests.aws.test_sms_inbound import PHONE, texted, timeline  # noqa: F401 - an SMS went out

SAMPLES = Path(__file__).resolve().parents[2] / "events"


def printed(capsys):
    return json.loads(capsys.readouterr().out)


def test_the_events_built_have_the_shape_of_the_samples():
    at = datetime(2026, 12, 1, 9, 5, tzinfo=UTC)
    sms_sample = json.loads((SAMPLES / "sms_inbound_sns_stop.json").read_text())["Records"][0]
    built = sns_notification("us-east-1", "kindly-local-sms-inbound", inbound_sms(PHONE, "STOP"), at)["Records"][0]
    assert built.keys() == sms_sample.keys() and built["Sns"].keys() == sms_sample["Sns"].keys()
    assert json.loads(built["Sns"]["Message"]).keys() == json.loads(sms_sample["Sns"]["Message"]).keys()
    assert built["Sns"]["Timestamp"] == "2026-12-01T09:05:00.000Z"

    ses_sample = json.loads(json.loads((SAMPLES / "email_events_sns_bounce.json").read_text())
                            ["Records"][0]["Sns"]["Message"])
    opened = ses_event("Open", tags={"tenant_id": "t", "account": "a", "message_id": "m"}, configuration_set="c",
                       source="s@example.com", destination="d@example.com", provider_message_id="p",
                       sent_at=at, at=at.replace(hour=19, minute=40), link="http://127.0.0.1:8000")
    assert set(ses_sample["mail"]) <= set(opened["mail"]) and opened["mail"]["tags"]["message_id"] == ["m"]
    assert opened["open"]["timestamp"] == "2026-12-01T19:40:00.000Z"


def test_sms_receive_hands_a_stop_to_sms_inbound_at_the_instant(client, aws, tenant, texted, kindly, capsys):  # noqa: F811
    assert kindly(["sms", "receive", "--from", PHONE, "--body", "STOP", "--answering", texted,
                   "--at", "2026-11-20T10:30:00Z"]) == 0
    assert printed(capsys)["outcome"] == "opted_out"
    [stop] = [e for e in timeline(client, tenant) if e["type"] == "sms_opted_out"]
    assert (stop["actor"], stop["at"]) == ("debtor:sms", "2026-11-20T10:30:00Z")
    assert len(sent_sms()) == 2  # the nudge, then the one confirmation

    assert kindly(["sms", "receive", "--from", PHONE, "--body", "stop"]) == 0
    assert printed(capsys)["outcome"] == "already_opted_out"
    assert len(sent_sms()) == 2


def test_sms_receive_refuses_what_is_not_a_text(client, aws, tenant, texted, kindly, capsys):  # noqa: F811
    before = timeline(client, tenant)
    assert kindly(["sms", "receive", "--from", "0600 123 456", "--body", "STOP"]) == 2
    assert "--from" in capsys.readouterr().err
    assert kindly(["sms", "receive", "--from", PHONE, "--body", "STOP", "--at", "tomorrow"]) == 2
    assert timeline(client, tenant) == before and len(sent_sms()) == 1


def test_ses_event_dates_the_open_when_it_happened(client, aws, reminded, kindly, capsys):  # noqa: F811
    assert kindly(["ses", "event", "--tenant", reminded["tenant_id"], "--message-id", reminded["message_id"],
                   "--type", "open", "--at", "2026-12-01T19:40:00+01:00"]) == 0
    answer = printed(capsys)
    assert (answer["outcome"], answer["message_id"]) == ("opened", reminded["message_id"])
    [signal] = aws.account_repository.get(reminded["tenant_id"], "acct-1").engagement
    assert (signal.kind, signal.at) == ("opened", datetime(2026, 12, 1, 18, 40, tzinfo=UTC))
    assert [e["type"] for e in timeline(client, reminded) if e["actor"] == "ses"] == ["email_opened"]

    assert kindly(["ses", "event", "--tenant", reminded["tenant_id"], "--message-id", reminded["message_id"],
                   "--type", "open"]) == 0
    assert printed(capsys)["outcome"] == "already_noted"


def test_ses_event_finds_the_email_by_ses_id_and_refuses_others(client, aws, reminded, kindly, capsys):  # noqa: F811
    [sent] = [e for e in timeline(client, reminded) if e["type"] == "message_sent"]
    assert kindly(["ses", "event", "--tenant", reminded["tenant_id"], "--message-id",
                   sent["details"]["provider_message_id"], "--type", "delivery"]) == 0
    assert printed(capsys)["outcome"] == "delivered"

    before = timeline(client, reminded)
    assert kindly(["ses", "event", "--tenant", reminded["tenant_id"], "--message-id", "msg_nothing",
                   "--type", "click"]) == 1
    assert json.loads(capsys.readouterr().err)["error"]["field"] == "message_id"
    assert timeline(client, reminded) == before
