"""Texts from debtors through the sms_inbound function (chalice.test.Client's lambda_.invoke, SNS events built
from events/sms_inbound_sns_stop.json) on moto: STOP, START, HELP and words, and what SNS then sends."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import pytest

from tests.aws.conftest import sent_emails, sent_sms
from tests.aws.test_first_reminder import auth, sweep
from tests.aws.test_webhooks import _received, _subscribe_to_finance
from tests.support.samples import account, assert_finance_event

SAMPLE = json.loads((Path(__file__).resolve().parents[2] / "events" / "sms_inbound_sns_stop.json").read_text())
PHONE = "+34600123456"  # the sample account's number
TEXTED_AT = "2026-11-20T10:00:00Z"  # a Friday: the +4 SMS step of the standard policy goes out


def sms_event(client, body, inbound_id="in-1", previous=None, phone=PHONE, **changes):
    """The sample notification with this text, built the way chalice.test.Client builds SNS events."""
    message = {**json.loads(SAMPLE["Records"][0]["Sns"]["Message"]), "originationNumber": phone,
               "messageBody": body, "inboundMessageId": inbound_id, "previousPublishedMessageId": previous, **changes}
    return client.events.generate_sns_event(json.dumps(message))


@pytest.fixture
def texted(client, aws, tenant):
    """An overdue debtor in Madrid who got the SMS nudge; returns the SNS id of that SMS."""
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    sweep(aws, TEXTED_AT)
    [(phone, _text)] = sent_sms()
    assert phone == PHONE
    return next(e.details["provider_message_id"] for e in aws.account_repository.events(tenant["tenant_id"], "acct-1")
                if e.type == "message_sent" and e.details.get("channel") == "sms")


def timeline(client, tenant, account_id="acct-1"):
    return json.loads(client.http.get(f"/v1/accounts/{account_id}/timeline", headers=auth(tenant)).body)["events"]


def get_account(client, tenant, account_id="acct-1"):
    return json.loads(client.http.get(f"/v1/accounts/{account_id}", headers=auth(tenant)).body)


def test_stop_opts_out_everywhere_confirms_once_and_no_sms_follows(client, aws, tenant, other_tenant, texted):
    # The same number is a customer of another tenant too
    other = client.http.put("/v1/accounts/globex-9", headers=auth(other_tenant),
                            body=json.dumps(account(locale="en-US", timezone="America/New_York", country="US")))
    assert other.status_code == 201, other.body

    client.lambda_.invoke("sms_inbound", sms_event(client, "Stop!", "in-1", previous=texted))
    client.lambda_.invoke("sms_inbound", sms_event(client, "Stop!", "in-1", previous=texted))  # SNS delivered twice
    client.lambda_.invoke("sms_inbound", sms_event(client, "UNSUBSCRIBE", "in-2"))  # and the debtor insists

    for owner, account_id in ((tenant, "acct-1"), (other_tenant, "globex-9")):
        assert get_account(client, owner, account_id)["contact"]["sms_opted_out"] is True
        stops = [e for e in timeline(client, owner, account_id) if e["type"] == "sms_opted_out"]
        assert [(e["actor"], e["details"]["reason"]) for e in stops] == [("debtor:sms", "stop_reply")]
    nudge, confirmation = sent_sms()  # moto's SNS: what went to phones
    # (accents outside GSM-7 are folded, so the text stays one cheap segment)
    assert confirmation == (PHONE, "No recibira mas mensajes de Acme Ltd sobre esta cuenta. Responda START para "
                                   "volver a recibirlos.")

    # And the next SMS step is withheld, not sent
    sweep(aws, "2026-12-01T10:00:00Z")
    sweep(aws, "2026-12-12T10:00:00Z")
    assert len(sent_sms()) == 2


def test_start_restores_texts_with_consent_from_the_reply(client, aws, tenant, texted):
    client.lambda_.invoke("sms_inbound", sms_event(client, "STOP", "in-1", previous=texted))
    client.lambda_.invoke("sms_inbound", sms_event(client, "start", "in-2", previous=texted))

    stored = get_account(client, tenant)
    assert stored["contact"]["sms_opted_out"] is False
    assert stored["sms_consent"]["source"] == "sms-reply"
    assert [e["actor"] for e in timeline(client, tenant) if e["type"] == "sms_opted_in"] == ["debtor:sms"]
    texts = [text for _phone, text in sent_sms()]
    assert len(texts) == 3 and texts[-1].startswith("Volvera a recibir mensajes de Acme Ltd")


def test_help_gets_one_answer_with_the_page_link(client, aws, tenant, texted):
    client.lambda_.invoke("sms_inbound", sms_event(client, "HELP", "in-1", previous=texted))
    client.lambda_.invoke("sms_inbound", sms_event(client, "HELP", "in-1", previous=texted))

    _nudge, (phone, answer) = sent_sms()
    assert phone == PHONE
    assert answer.startswith("Acme Ltd: para ayuda con esta cuenta visite http://127.0.0.1:8000/")
    assert answer.endswith("Responda STOP para darse de baja")
    link = answer.split("visite ")[1].split(" ")[0]
    assert client.http.get(link.removeprefix("http://127.0.0.1:8000")).status_code in (200, 302, 303)


def test_words_reach_finance_not_the_trail_and_hold_reminders(client, aws, tenant, texted, app_clock, caplog):
    caplog.set_level(logging.INFO, logger="kindly")
    finance = _subscribe_to_finance(aws)
    app_clock(datetime.fromisoformat("2026-11-24T10:00:00+00:00"))  # Tuesday 11:00 in Madrid
    words = "Perdí el trabajo, ¿puedo pagar en marzo?"

    client.lambda_.invoke("sms_inbound", sms_event(client, words, "in-1", previous=texted))
    client.lambda_.invoke("sms_inbound", sms_event(client, words, "in-1", previous=texted))
    lines = [r for r in caplog.records if r.getMessage() == "inbound sms"]
    assert [line.outcome for line in lines] == ["reply_kept", "duplicate"]
    assert not any(words in str(r.__dict__) or PHONE in str(r.__dict__) for r in caplog.records)

    replies = client.http.get("/v1/accounts/acct-1/replies", headers=auth(tenant))
    assert replies.status_code == 200
    [reply] = json.loads(replies.body)["replies"]
    assert (reply["text"], reply["reply_id"], reply["channel"]) == (words, "in-1", "sms")
    assert reply["received_at"] == "2026-11-24T10:00:00Z" and reply["expires_at"] > reply["received_at"]
    events = timeline(client, tenant)
    [replied] = [e for e in events if e["type"] == "debtor_replied"]
    assert replied["actor"] == "debtor:sms" and words not in json.dumps(events)
    # Wednesday and Thursday are the working days a person has to answer: reminders wait until Friday 00:00 Madrid
    assert replied["details"]["reminders_wait_until"] == "2026-11-26T23:00:00Z"
    [notice] = _received(aws, finance)
    assert_finance_event(notice, "debtor_replied")
    assert words not in json.dumps(notice)

    # The plan offer due on Wednesday waits for Friday morning, in the preview and in the worker alike
    preview = client.http.post("/v1/policies/standard/preview", headers=auth(tenant),
                               body=json.dumps({"account_id": "acct-1", "days": 10, "start": "2026-11-24T12:00:00Z"}))
    first = json.loads(preview.body)["messages"][0]
    assert (first["template"], first["deferred_by"]) == ("plan_offer", "awaiting_reply")
    assert first["local_time"] == "2026-11-27T09:00:00+01:00"
    emails = len(sent_emails())
    assert sweep(aws, "2026-11-25T10:00:00Z")["deferred"] == 1
    assert len(sent_emails()) == emails
    deferred = timeline(client, tenant)[-1]
    assert (deferred["type"], deferred["details"]["rule"]) == ("message_deferred", "awaiting_reply")
    assert sweep(aws, "2026-11-27T08:00:00Z")["sent"] == 1


def test_another_tenants_key_reads_no_replies(client, tenant, other_tenant, texted):
    client.lambda_.invoke("sms_inbound", sms_event(client, "llámenme", "in-1", previous=texted))
    assert client.http.get("/v1/accounts/acct-1/replies", headers=auth(other_tenant)).status_code == 404


@pytest.mark.parametrize("message", [
    "not json", "[]", json.dumps({"messageBody": "STOP"}),
    json.dumps({**json.loads(SAMPLE["Records"][0]["Sns"]["Message"]), "originationNumber": "call me"}),
])
def test_malformed_notifications_are_dropped_without_an_error(client, aws, tenant, texted, message, caplog):
    caplog.set_level(logging.INFO, logger="kindly")
    before = timeline(client, tenant)
    result = client.lambda_.invoke("sms_inbound", client.events.generate_sns_event(message))
    assert result.payload == {"outcome": "malformed"}
    [line] = [r for r in caplog.records if r.getMessage() == "inbound sms ignored"]
    assert line.outcome == "malformed" and "call me" not in str(line.__dict__)
    assert timeline(client, tenant) == before and len(sent_sms()) == 1


def test_an_unknown_number_changes_nothing(client, aws, tenant, texted):
    before = timeline(client, tenant)
    result = client.lambda_.invoke("sms_inbound", sms_event(client, "STOP", phone="+14255550182"))
    assert result.payload == {"outcome": "unknown_number"}
    assert timeline(client, tenant) == before and len(sent_sms()) == 1
