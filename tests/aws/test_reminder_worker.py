"""The scheduled sweep and the SQS worker, as Lambda runs them, and the promises they keep: nothing sent
twice, nothing lost, every decision recorded."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest

from chalicelib.adapters.clock import FixedClock
from chalicelib.bootstrap import Container
from chalicelib.domain.errors import Throttled
from chalicelib.in_process_sweep import run_sweep
from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.tenants import TenantIn
from tests.aws.conftest import sent_emails, sent_sms
from tests.support.samples import account, assert_finance_event

EVENTS = Path(__file__).resolve().parents[2] / "events"


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def at(aws, text: str) -> Container:
    return Container(aws.settings, clock=FixedClock(instant(text)))


def upsert(aws, tenant, account_id="acct-1", **changes):
    return aws.accounts.upsert(tenant["tenant_id"], account_id, account(**changes), "test")[0]


def timeline(aws, tenant, account_id="acct-1"):
    return aws.audit.timeline(tenant["tenant_id"], account_id)


def sqs_records(*bodies):
    return {"Records": [
        {"messageId": f"m-{i}", "receiptHandle": f"r-{i}", "body": json.dumps(body), "attributes": {},
         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:kindly-local-reminders", "awsRegion": "us-east-1"}
        for i, body in enumerate(bodies)
    ]}


def test_the_scheduled_sweep_queues_only_due_accounts(client, aws, tenant):
    # Given one overdue account and one whose first step is weeks away
    upsert(aws, tenant, "due-now")
    in_two_months = date.today() + timedelta(days=60)
    upsert(aws, tenant, "later", invoices=[{**account()["invoices"][0], "due_on": in_two_months.isoformat(),
                                             "issued_on": date.today().isoformat()}])
    # When the scheduled function runs on the real clock (after 15 Nov 2026, so "due-now" is due)
    event = json.loads((EVENTS / "sweep_scheduled.json").read_text())
    result = client.lambda_.invoke("sweep", event)
    # Then exactly the due account is on the queue
    assert result.payload == {"queued": 1}
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=aws.settings.reminders_queue)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [json.loads(m["Body"])["account_id"] for m in messages] == ["due-now"]


def test_the_sweep_reads_the_due_index_and_never_scans(aws, tenant):
    for i in range(30):
        upsert(aws, tenant, f"later-{i}", invoices=[{**account()["invoices"][0], "due_on": "2027-03-01",
                                                      "issued_on": "2027-02-01"}])
    upsert(aws, tenant, "due-now")
    from pynamodb.connection.base import Connection

    # Every pynamodb scan, of any table, goes through Connection.scan.
    with mock.patch.object(Connection, "scan", side_effect=AssertionError("the sweep must not scan")):
        items = list(aws.sweep.due_items(instant("2026-12-01T09:00:00Z")))
    assert [item["account_id"] for item in items] == ["due-now"]


def test_the_queue_worker_reports_only_failed_records_for_retry(client, aws, tenant):
    # Given the sample SQS batch from events/, its first record naming a real account, its second broken
    upsert(aws, tenant)
    event = json.loads((EVENTS / "remind_sqs_batch.json").read_text())
    good, broken = event["Records"]
    good["body"] = json.dumps({"tenant_id": tenant["tenant_id"], "account_id": "acct-1"})
    broken["body"] = "{not json"
    # When Lambda hands it to the worker
    response = client.lambda_.invoke("remind_worker", event)
    # Then only the broken record goes back to SQS for a retry
    assert response.payload == {"batchItemFailures": [{"itemIdentifier": broken["messageId"]}]}


def test_the_sweep_counts_and_logs_a_failing_account_without_personal_data(aws, tenant, caplog):
    # Given the only due account, whose outbox write fails with an error quoting the debtor's address
    upsert(aws, tenant)
    caplog.set_level(logging.INFO, logger="kindly")
    app = at(aws, "2026-12-01T09:00:00Z")
    refusal = RuntimeError("outbox refused a message to ana@example.com")
    # When the sweep runs (the `kindly sweep` path: every record of its one batch fails)
    with mock.patch.object(type(app.account_repository), "claim_message", side_effect=refusal):
        summary = run_sweep(app, instant("2026-12-01T09:00:00Z"))
    # Then it reports the error instead of crashing, and one log line names the account and the error's type
    assert summary["errors"] == 1 and summary["sent"] == 0 and sent_emails() == []
    [line] = [r for r in caplog.records if r.getMessage() == "reminder failed"]
    assert (line.tenant_id, line.account_id, line.error_type) == (tenant["tenant_id"], "acct-1", "RuntimeError")
    assert "ana@example.com" not in json.dumps(vars(line), default=str)


def test_a_duplicate_queue_message_sends_once(aws, tenant):
    upsert(aws, tenant)
    from chalicelib.routes.queues import process_reminder_batch

    app = at(aws, "2026-12-01T09:00:00Z")
    body = {"tenant_id": tenant["tenant_id"], "account_id": "acct-1"}
    _response, outcomes = process_reminder_batch(sqs_records(body, body), app)
    assert [o.kind for o in outcomes] == ["sent", "skipped"]
    assert len(sent_emails()) == 1


def test_ses_throttling_defers_and_the_next_sweep_sends_exactly_once(aws, tenant):
    upsert(aws, tenant)
    busy = at(aws, "2026-12-01T09:00:00Z")
    with mock.patch.object(type(busy.email), "send", side_effect=Throttled("slow down")):
        first = run_sweep(busy, instant("2026-12-01T09:00:00Z"))
    assert first["sent"] == 0 and first["deferred_by"] == {"provider_throttled": 1}
    assert sent_emails() == []
    later = run_sweep(at(aws, "2026-12-01T09:15:00Z"), instant("2026-12-01T09:15:00Z"))
    assert later["sent"] == 1
    assert len(sent_emails()) == 1
    types = [e.type for e in timeline(aws, tenant)]
    assert types[-2:] == ["message_delayed", "message_sent"]


def test_a_permanent_refusal_is_recorded_and_not_retried(aws, tenant):
    upsert(aws, tenant)
    from chalicelib.domain.errors import PermanentSendError

    app = at(aws, "2026-12-01T09:00:00Z")
    with mock.patch.object(type(app.email), "send", side_effect=PermanentSendError("MessageRejected")):
        summary = run_sweep(app, instant("2026-12-01T09:00:00Z"))
    assert summary["failed"] == 1
    failed = timeline(aws, tenant)[-1]
    assert failed.type == "message_failed" and failed.details["reason"] == "MessageRejected"
    assert run_sweep(at(aws, "2026-12-01T09:15:00Z"), instant("2026-12-01T09:15:00Z"))["sent"] == 0


def test_a_dispute_withholds_with_the_reason_and_lifting_it_resumes(aws, tenant):
    upsert(aws, tenant)
    aws.accounts.set_flag(tenant["tenant_id"], "acct-1", parse(FlagIn, {"flag": "dispute", "active": True}), "test")
    summary = run_sweep(at(aws, "2026-12-01T09:00:00Z"), instant("2026-12-01T09:00:00Z"))
    assert summary["withheld"] == {"dispute_open": 1} and sent_emails() == []
    stored = aws.accounts.get(tenant["tenant_id"], "acct-1")
    assert stored.state == "paused" and stored.next_action_at is None

    aws.accounts.set_flag(tenant["tenant_id"], "acct-1", parse(FlagIn, {"flag": "dispute", "active": False}), "test")
    assert run_sweep(at(aws, "2026-12-01T10:00:00Z"), instant("2026-12-01T10:00:00Z"))["sent"] == 1


def test_a_flag_shows_as_paused_at_once(aws, tenant):
    upsert(aws, tenant)
    flagged = aws.accounts.set_flag(tenant["tenant_id"], "acct-1", parse(FlagIn, {"flag": "hardship", "active": True}),
                                    "test")
    assert flagged.state == "paused"
    lifted = aws.accounts.set_flag(tenant["tenant_id"], "acct-1", parse(FlagIn, {"flag": "hardship", "active": False}),
                                   "test")
    assert lifted.state == "active" and lifted.next_action_at is not None


def finance_inbox(aws):
    """An SQS queue subscribed to the finance topic: what the finance team would receive."""
    sqs = aws.client("sqs")
    inbox = sqs.create_queue(QueueName="finance-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    aws.client("sns").subscribe(TopicArn=aws.topic_arn(aws.settings.finance_topic), Protocol="sqs",
                                Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
    return lambda: [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10)
                    .get("Messages", [])]


def test_a_vulnerable_debtor_is_handed_to_a_person_instead_of_reminded(aws, tenant):
    # Given an overdue account flagged vulnerable
    upsert(aws, tenant)
    received = finance_inbox(aws)
    aws.accounts.set_flag(tenant["tenant_id"], "acct-1", parse(FlagIn, {"flag": "vulnerable", "active": True}), "test")
    # When a reminder comes due at a decent hour
    summary = run_sweep(at(aws, "2026-12-01T09:00:00Z"), instant("2026-12-01T09:00:00Z"))
    # Then nothing goes to the debtor, and the finance team gets one hand-off that names no one
    assert summary["escalated"] == 1 and summary["sent"] == 0 and sent_emails() == []
    [event] = received()
    assert event["type"] == "escalation" and event["reason"] == "vulnerable" and event["account_id"] == "acct-1"
    assert_finance_event(event, "escalation")
    assert "Ana" not in json.dumps(event) and "@" not in json.dumps(event)
    assert aws.accounts.get(tenant["tenant_id"], "acct-1").state == "escalated"
    # And no later sweep sends or hands it over again
    later = run_sweep(at(aws, "2026-12-10T09:00:00Z"), instant("2026-12-10T09:00:00Z"))
    assert later["evaluated"] == 0 and received() == [] and sent_emails() == []


def test_nothing_is_asked_for_when_nothing_is_owed(aws, tenant):
    upsert(aws, tenant, invoices=[{**account()["invoices"][0], "status": "paid"}])
    assert run_sweep(at(aws, "2026-12-01T09:00:00Z"), instant("2026-12-01T09:00:00Z"))["evaluated"] == 0


def test_an_unsubscribed_debtor_gets_no_more_email(client, aws, tenant):
    upsert(aws, tenant)
    run_sweep(at(aws, "2026-12-01T09:00:00Z"), instant("2026-12-01T09:00:00Z"))
    url = aws.links.unsubscribe_url(tenant["tenant_id"], "acct-1", instant("2026-12-01T09:00:00Z"))
    aws.clock = FixedClock(instant("2026-12-02T09:00:00Z"))  # the app's clock when the debtor clicks
    path = url.removeprefix(aws.settings.public_base_url)
    page = client.http.get(path, headers={"Accept-Language": "en-GB,en;q=0.9"})
    # The page speaks the debtor's language (es-ES), whatever the browser says, and one button confirms
    html = page.body.decode()
    assert page.status_code == 200 and "<form" in html and '<html lang="es">' in html
    assert "Dejar de recibir estos correos" in html and page.headers["Content-Language"] == "es"
    response = client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"},
                                body="List-Unsubscribe=One-Click")
    assert response.status_code == 200 and "No recibirá más recordatorios" in response.body.decode()
    # The next email step comes due on 6 December and is withheld for the unsubscribe
    summary = run_sweep(at(aws, "2026-12-07T09:00:00Z"), instant("2026-12-07T09:00:00Z"))
    assert summary["withheld"] == {"email_unsubscribed": 1}
    assert len(sent_emails()) == 1


def test_a_forged_unsubscribe_link_changes_nothing(client, aws, tenant):
    upsert(aws, tenant)
    response = client.http.post("/u/AAAAforged", headers={"Content-Type": "application/x-www-form-urlencoded"},
                                body="List-Unsubscribe=One-Click")
    assert response.status_code == 401 and "not valid" in response.body.decode()
    forged = client.http.get("/u/AAAAforged", headers={"Accept-Language": "de-CH, fr;q=0.8, *;q=0.1"})
    assert forged.status_code == 401 and "<form" not in forged.body.decode()  # no form for a link that cannot work
    assert "Dieser Link ist ungültig" in forged.body.decode()  # in the browser's language, as nothing else is known
    assert aws.accounts.get(tenant["tenant_id"], "acct-1").email_suppressed is None


def test_sms_goes_out_with_consent_and_is_withheld_without(aws, tenant):
    # Given two accounts due 15 Nov, one without SMS consent
    upsert(aws, tenant, "with-consent")
    upsert(aws, tenant, "no-consent", sms_consent=None)
    # When the sweep runs on 20 Nov, where the +4 SMS step is the latest due
    summary = run_sweep(at(aws, "2026-11-20T10:00:00Z"), instant("2026-11-20T10:00:00Z"))
    # Then one SMS goes to the consenting debtor; the other gets the latest step email can carry instead
    assert summary["sent"] == 2 and summary["withheld"] == {}
    [sms] = sent_sms()
    assert sms[0] == "+34600123456" and "STOP" in sms[1]
    [email] = sent_emails()
    assert set(email.destinations) == {"ana@example.com"}  # moto repeats the To: header
    assert [e.details.get("template") for e in timeline(aws, tenant, "no-consent")
            if e.type == "message_sent"] == ["gentle_reminder"]
    # And the next pass withholds the SMS step with its reason: it is spent, never sent without consent
    again = run_sweep(at(aws, "2026-11-20T10:15:00Z"), instant("2026-11-20T10:15:00Z"))
    assert again["sent"] == 0 and again["withheld"] == {"no_sms_consent": 1}
    assert len(sent_sms()) == 1
    withheld = timeline(aws, tenant, "no-consent")[-1]
    assert withheld.type == "message_withheld" and withheld.details["step_spent"] is True


def test_the_last_step_escalates_to_a_person_not_a_threat(aws, tenant):
    upsert(aws, tenant)
    sns = aws.client("sns")
    sqs = aws.client("sqs")
    inbox = sqs.create_queue(QueueName="finance-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=aws.topic_arn(aws.settings.finance_topic), Protocol="sqs", Endpoint=inbox_arn,
                  Attributes={"RawMessageDelivery": "true"})
    summary = run_sweep(at(aws, "2026-12-21T10:00:00Z"), instant("2026-12-21T10:00:00Z"))  # +36 days
    assert summary["escalated"] == 1
    [message] = sqs.receive_message(QueueUrl=inbox)["Messages"]
    event = json.loads(message["Body"])
    assert event["type"] == "escalation" and event["account_id"] == "acct-1"
    assert "ana@example.com" not in message["Body"] and "Ana" not in message["Body"]
    assert aws.accounts.get(tenant["tenant_id"], "acct-1").state == "escalated"

    # When that invoice is paid and a new one falls overdue, the new episode gets its own reminders
    new_invoice = {**account()["invoices"][0], "id": "INV-2001", "issued_on": "2026-12-20",
                   "due_on": "2027-01-15"}
    paid = {**account()["invoices"][0], "status": "paid"}
    renewed = upsert(aws, tenant, invoices=[paid, new_invoice])
    assert renewed.state == "active" and renewed.next_action_at is not None


@pytest.mark.parametrize("dry_run", [True])
def test_a_dry_run_decides_but_sends_and_writes_nothing(aws, tenant, dry_run):
    upsert(aws, tenant)
    before = [e.seq for e in timeline(aws, tenant)]
    app = Container(aws.settings, clock=FixedClock(instant("2026-12-01T09:00:00Z")), dry_run=dry_run)
    summary = run_sweep(app, instant("2026-12-01T09:00:00Z"))
    assert summary["sent"] == 1 and summary["dry_run"] is True
    assert sent_emails() == [] and [e.seq for e in timeline(aws, tenant)] == before


def test_the_sweep_hands_the_worker_a_snapshot_and_a_stale_one_never_sends(aws, tenant):
    upsert(aws, tenant)
    app = at(aws, "2026-12-01T09:00:00Z")
    [item] = list(app.sweep.due_items(instant("2026-12-01T09:00:00Z")))
    assert item["snapshot"]["account_id"] == {"S": "acct-1"}
    # The customer pays between the sweep and the worker: the snapshot still shows a balance.
    upsert(aws, tenant, invoices=[{**account()["invoices"][0], "status": "paid"}])
    outcome = app.remind.process(item["tenant_id"], item["account_id"], item["snapshot"])
    assert outcome.kind == "skipped" and sent_emails() == []


def test_a_failed_escalation_is_retried_and_published_once(aws, tenant):
    upsert(aws, tenant)
    app = at(aws, "2026-12-21T10:00:00Z")
    with mock.patch.object(type(app.notifier), "publish", side_effect=RuntimeError("SNS unreachable")):
        first = run_sweep(app, instant("2026-12-21T10:00:00Z"))
    assert first["escalated"] == 0 and first["deferred_by"] == {"provider_error": 1}
    published = []
    later = at(aws, "2026-12-21T10:15:00Z")
    with mock.patch.object(type(later.notifier), "publish", side_effect=lambda *a: published.append(a)):
        assert run_sweep(later, instant("2026-12-21T10:15:00Z"))["escalated"] == 1
        assert run_sweep(later, instant("2026-12-21T10:15:00Z"))["escalated"] == 0
    assert len(published) == 1
    assert [e.type for e in timeline(aws, tenant)][-2:] == ["message_delayed", "escalated"]


def test_an_sms_carries_a_short_link_that_leads_to_the_signed_self_service_link(client, aws, tenant):
    import re

    upsert(aws, tenant)
    run_sweep(at(aws, "2026-11-20T10:00:00Z"), instant("2026-11-20T10:00:00Z"))  # the +4 SMS step
    [(_phone, text)] = sent_sms()
    [link] = re.findall(r"https?://\S+/s/[0-9A-Za-z]{10}", text)
    code = link.rsplit("/", 1)[1]
    aws.clock = FixedClock(instant("2026-11-21T10:00:00Z"))  # the app's clock, a day after the SMS
    response = client.http.get(f"/s/{code}")
    assert response.status_code == 302
    target = response.headers["Location"]
    assert target.startswith(f"{aws.settings.public_base_url}/p/")
    from chalicelib.domain.links import PORTAL

    claims = aws.links.read(target.rsplit("/", 1)[1], PORTAL, instant("2026-11-20T10:00:00Z"))
    assert (claims.tenant_id, claims.account_id) == (tenant["tenant_id"], "acct-1")
    assert client.http.get("/s/AAAAAAAAAA").status_code == 410
    assert client.http.get("/s/not-a-code").status_code == 410


def test_a_third_party_sms_with_a_long_tenant_name_still_fits_two_segments(aws):
    long_name, key = aws.tenants.create(parse(TenantIn, {"name": "Northwind Collections & Recovery Services",
                                                         "sender_email": "ar@northwind.example.com",
                                                         "role": "third_party"}))
    upsert(aws, {"tenant_id": long_name.tenant_id}, "acct-long")
    summary = run_sweep(at(aws, "2026-11-20T10:00:00Z"), instant("2026-11-20T10:00:00Z"))
    assert summary["sent"] == 1, summary
    [(_phone, text)] = sent_sms()
    assert "debt collector" in text.lower() or "cobrador" in text.lower() or "deudas" in text.lower()
