"""Payments through the processors' webhooks: signed with each processor's scheme, applied once, in event-time
order; a refusal changes nothing."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.aws.conftest import sent_emails
from tests.aws.test_first_reminder import auth, sweep
from tests.support import webhooks as wh
from tests.support.samples import account

EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"


def set_secret(client, tenant, provider, secret):
    answer = client.http.put(f"/v1/webhook-secrets/{provider}", headers=auth(tenant),
                             body=json.dumps({"secret": secret}))
    assert answer.status_code == 204, answer.body


def get_account(client, tenant, account_id="acct-1"):
    return json.loads(client.http.get(f"/v1/accounts/{account_id}", headers=auth(tenant)).body)


def timeline_types(client, tenant, account_id="acct-1"):
    answer = client.http.get(f"/v1/accounts/{account_id}/timeline", headers=auth(tenant))
    return [event["type"] for event in json.loads(answer.body)["events"]]


def post(client, tenant_id, provider, payload: bytes, headers):
    return client.http.post(f"/webhooks/{tenant_id}/{provider}", headers=headers, body=payload)


@pytest.fixture
def overdue(client, tenant):
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    set_secret(client, tenant, "stripe", wh.STRIPE_SECRET)
    return tenant


def stripe_paid(amount_paid=4900, event_id="evt_paid", created=None):
    return wh.body(wh.stripe_event("invoice.paid", wh.stripe_invoice(amount_paid), event_id, created))


# --- Stripe ------------------------------------------------------------------------------------------

def test_stripe_payment_settles_the_account_and_stops_reminders(client, aws, overdue):
    # Given an overdue account whose Stripe customer id is on record
    # When Stripe reports the invoice paid, signed with the tenant's secret
    payload = stripe_paid()
    answer = post(client, overdue["tenant_id"], "stripe", payload, wh.stripe_headers(payload))

    # Then the payment is applied and nothing is owed: the only thing scheduled is a thank-you
    assert answer.status_code == 200, answer.body
    assert json.loads(answer.body) == {"received": 1, "events": [
        {"event_id": "evt_paid", "kind": "payment_succeeded", "outcome": "applied"}]}
    stored = get_account(client, overdue)
    assert stored["balance"] == {"EUR": 0}
    assert stored["state"] == "settled" and stored["next_action_at"] is not None
    assert stored["invoices"][0]["amount_paid"] == 4900
    assert stored["payments"][0]["kind"] == "payment_succeeded"
    assert timeline_types(client, overdue)[-1] == "payment_succeeded"

    # And the sweep sends a thank-you instead of the reminder, once
    assert sweep(aws, "2026-12-01T09:00:00Z")["sent"] == 1
    assert sweep(aws, "2026-12-02T09:00:00Z")["sent"] == 0
    [thanks] = sent_emails()
    raw = thanks.raw_data if isinstance(thanks.raw_data, str) else thanks.raw_data.decode()
    assert "Gracias" in raw and "venci" not in raw
    assert get_account(client, overdue)["state"] == "settled"


def test_a_duplicate_delivery_is_answered_200_and_applied_once(client, overdue):
    payload = stripe_paid()
    first = post(client, overdue["tenant_id"], "stripe", payload, wh.stripe_headers(payload))
    events_after_first = timeline_types(client, overdue)
    again = post(client, overdue["tenant_id"], "stripe", payload, wh.stripe_headers(payload))
    # Stripe sends invoice.payment_succeeded too: the same money, under another event id
    twin = wh.body(wh.stripe_event("invoice.payment_succeeded", wh.stripe_invoice(), "evt_twin"))
    third = post(client, overdue["tenant_id"], "stripe", twin, wh.stripe_headers(twin))

    assert (first.status_code, again.status_code, third.status_code) == (200, 200, 200)
    assert json.loads(again.body)["events"][0]["outcome"] == "unchanged"
    assert json.loads(third.body)["events"][0]["outcome"] == "unchanged"
    assert timeline_types(client, overdue) == events_after_first
    assert get_account(client, overdue)["balance"] == {"EUR": 0}


def test_a_partial_payment_lowers_the_balance_and_reminders_go_on(client, aws, overdue):
    payload = stripe_paid(amount_paid=2000)
    assert post(client, overdue["tenant_id"], "stripe", payload, wh.stripe_headers(payload)).status_code == 200

    stored = get_account(client, overdue)
    assert stored["balance"] == {"EUR": 2900}
    assert stored["state"] == "active" and stored["next_action_at"] is not None

    sweep(aws, "2026-12-01T09:00:00Z")
    text = sent_emails()[0].raw_data
    assert "29,00" in (text if isinstance(text, str) else text.decode())


@pytest.mark.parametrize("mangle, status", [
    ("wrong_secret", 401), ("stale_timestamp", 401), ("future_timestamp", 401), ("missing_header", 400),
    ("tampered_body", 401),
])
def test_a_bad_signature_is_refused_and_changes_nothing(client, overdue, mangle, status):
    payload = stripe_paid()
    headers = wh.stripe_headers(payload)
    if mangle == "wrong_secret":
        headers = wh.stripe_headers(payload, secret="whsec_not_the_one")
    elif mangle == "stale_timestamp":
        headers = wh.stripe_headers(payload, at=int(time.time()) - 3600)
    elif mangle == "future_timestamp":
        headers = wh.stripe_headers(payload, at=int(time.time()) + 3600)
    elif mangle == "missing_header":
        del headers["Stripe-Signature"]
    elif mangle == "tampered_body":
        payload = stripe_paid(amount_paid=999999)
    before = get_account(client, overdue)

    answer = post(client, overdue["tenant_id"], "stripe", payload, headers)

    assert answer.status_code == status, answer.body
    assert set(json.loads(answer.body)["error"]) == {"code", "message", "field"}
    assert get_account(client, overdue) == before


def test_no_secret_unknown_tenant_and_unknown_provider_are_refused(client, overdue, other_tenant):
    payload = stripe_paid()
    # the other tenant never set a Stripe secret
    assert post(client, other_tenant["tenant_id"], "stripe", payload, wh.stripe_headers(payload)).status_code == 401
    assert post(client, "t_nobody", "stripe", payload, wh.stripe_headers(payload)).status_code == 401
    assert post(client, overdue["tenant_id"], "square", payload, wh.stripe_headers(payload)).status_code == 404
    assert get_account(client, overdue)["balance"] == {"EUR": 4900}


def test_one_tenants_webhook_never_touches_another_tenants_account(client, overdue, other_tenant):
    # Given the other tenant has its own Stripe secret, and a customer id equal to ours
    set_secret(client, other_tenant, "stripe", "whsec_other_tenant_secret")
    payload = stripe_paid()

    # When its webhook reports that customer's invoice paid
    answer = post(client, other_tenant["tenant_id"], "stripe", payload,
                  wh.stripe_headers(payload, secret="whsec_other_tenant_secret"))

    # Then it finds no account of its own (the payment waits for one), and ours still owes
    assert json.loads(answer.body)["events"][0]["outcome"] == "held_for_account"
    assert get_account(client, overdue)["balance"] == {"EUR": 4900}


def test_the_webhook_secret_is_stored_encrypted_and_never_returned(client, aws, overdue):
    name = f"{aws.settings.webhook_secret_prefix}/{overdue['tenant_id']}/stripe"
    parameter = aws.client("ssm").get_parameter(Name=name)["Parameter"]
    assert parameter["Type"] == "SecureString"
    assert wh.STRIPE_SECRET not in json.dumps(get_account(client, overdue))
    bad = client.http.put("/v1/webhook-secrets/stripe", headers=auth(overdue), body=json.dumps({"secret": ""}))
    assert bad.status_code == 400 and json.loads(bad.body)["error"]["field"] == "secret"
    unknown = client.http.put("/v1/webhook-secrets/square", headers=auth(overdue),
                              body=json.dumps({"secret": "0123456789"}))
    assert unknown.status_code == 404
    anonymous = client.http.put("/v1/webhook-secrets/stripe", body=json.dumps({"secret": "0123456789"}),
                                headers={"Content-Type": "application/json"})
    assert anonymous.status_code == 401


def test_a_refund_reopens_the_balance_tells_finance_and_holds_reminders_until_resumed(client, aws, overdue):
    finance = _subscribe_to_finance(aws)
    paid = stripe_paid(created=int(time.time()) - 60)
    post(client, overdue["tenant_id"], "stripe", paid, wh.stripe_headers(paid))

    # When Stripe reports the charge refunded
    refund = wh.body(json.loads((EVENTS / "stripe_charge_refunded.json").read_text()) | {"created": int(time.time())})
    answer = post(client, overdue["tenant_id"], "stripe", refund, wh.stripe_headers(refund))

    # Then the balance is owed again, but no reminder goes out until a person decides
    assert json.loads(answer.body)["events"][0]["outcome"] == "applied"
    stored = get_account(client, overdue)
    assert stored["balance"] == {"EUR": 4900}
    assert stored["state"] == "held" and stored["hold_reason"] == "refund" and stored["next_action_at"] is None
    assert sweep(aws, "2026-12-01T09:00:00Z")["sent"] == 0
    notices = _received(aws, finance)
    assert [(n["type"], n["account_id"], n["amount"], n["currency"]) for n in notices] == [
        ("refund", "acct-1", 4900, "EUR")]
    assert "ana" not in json.dumps(notices).lower()

    # When a person resumes the account, reminders are scheduled again
    resumed = client.http.post("/v1/accounts/acct-1/resume", headers=auth(overdue))
    assert resumed.status_code == 200
    assert json.loads(resumed.body)["state"] == "active"
    assert sweep(aws, "2026-12-01T09:00:00Z")["sent"] == 1
    again = client.http.post("/v1/accounts/acct-1/resume", headers=auth(overdue))
    assert again.status_code == 409


def test_an_older_event_arriving_late_does_not_undo_a_newer_one(client, overdue):
    now = int(time.time())
    newer = stripe_paid(amount_paid=4900, event_id="evt_new", created=now)
    older = stripe_paid(amount_paid=1000, event_id="evt_old", created=now - 3600)
    post(client, overdue["tenant_id"], "stripe", newer, wh.stripe_headers(newer))
    answer = post(client, overdue["tenant_id"], "stripe", older, wh.stripe_headers(older))

    assert json.loads(answer.body)["events"][0]["outcome"] == "stale"
    assert get_account(client, overdue)["balance"] == {"EUR": 0}


# --- Paddle, GoCardless, Standard Webhooks --------------------------------------------------------------

def test_paddle_transaction_completed_settles_the_account(client, overdue):
    set_secret(client, overdue, "paddle", wh.PADDLE_SECRET)
    payload = (EVENTS / "paddle_transaction_completed.json").read_bytes()
    answer = post(client, overdue["tenant_id"], "paddle", payload, wh.paddle_headers(payload))
    assert answer.status_code == 200, answer.body
    assert get_account(client, overdue)["balance"] == {"EUR": 0}
    stale = post(client, overdue["tenant_id"], "paddle", payload, wh.paddle_headers(payload, at=int(time.time()) - 600))
    assert stale.status_code == 401


def test_gocardless_confirmed_then_charged_back(client, aws, overdue):
    set_secret(client, overdue, "gocardless", wh.GOCARDLESS_SECRET)
    finance = _subscribe_to_finance(aws)
    confirmed = (EVENTS / "gocardless_payment_confirmed.json").read_bytes()
    assert post(client, overdue["tenant_id"], "gocardless", confirmed,
                wh.gocardless_headers(confirmed)).status_code == 200
    assert get_account(client, overdue)["balance"] == {"EUR": 0}

    chargeback = json.loads(confirmed)
    chargeback["events"][0].update(id="EV0456CB", action="charged_back", created_at="2026-11-30T09:00:00.000Z")
    payload = wh.body(chargeback)
    assert post(client, overdue["tenant_id"], "gocardless", payload, wh.gocardless_headers(payload)).status_code == 200

    stored = get_account(client, overdue)
    assert stored["balance"] == {"EUR": 4900} and stored["state"] == "held"
    assert [n["type"] for n in _received(aws, finance)] == ["chargeback"]
    forged = post(client, overdue["tenant_id"], "gocardless", payload, wh.gocardless_headers(payload, "nope"))
    assert forged.status_code == 401


def test_standard_webhook_payment_and_bad_payloads(client, overdue):
    set_secret(client, overdue, "standard", wh.STANDARD_SECRET)
    payload = (EVENTS / "standard_payment_succeeded.json").read_bytes()
    answer = post(client, overdue["tenant_id"], "standard", payload, wh.standard_headers(payload, "msg_1"))
    assert answer.status_code == 200, answer.body
    assert get_account(client, overdue)["balance"] == {"EUR": 0}

    before = get_account(client, overdue)
    for bad, field in [
        ({"type": "payment.refunded", "timestamp": "2026-11-28T09:00:00Z",
          "data": {"account_id": "acct-1", "payment_id": "pay_1", "amount": -5, "currency": "EUR"}}, "data.amount"),
        ({"type": "payment.refunded", "timestamp": "2026-11-28T09:00:00Z",
          "data": {"account_id": "acct-1", "payment_id": "pay_1", "amount": 5, "currency": "EURO"}}, "data.currency"),
        ({"type": "payment.refunded", "timestamp": "2026-11-28T09:00:00Z", "surprise": 1,
          "data": {"account_id": "acct-1", "payment_id": "pay_1", "amount": 5, "currency": "EUR"}}, "surprise"),
    ]:
        raw = wh.body(bad)
        refused = post(client, overdue["tenant_id"], "standard", raw, wh.standard_headers(raw, "msg_bad"))
        assert refused.status_code == 400, refused.body
        assert json.loads(refused.body)["error"]["field"] == field
    assert get_account(client, overdue) == before

    bad_secret = client.http.put("/v1/webhook-secrets/standard", headers=auth(overdue),
                                 body=json.dumps({"secret": "whsec_not*base64!"}))
    assert bad_secret.status_code == 400


# --- helpers -------------------------------------------------------------------------------------------

def _subscribe_to_finance(aws):
    sqs, sns = aws.client("sqs"), aws.client("sns")
    url = sqs.create_queue(QueueName="finance-listener")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=aws.topic_arn(aws.settings.finance_topic), Protocol="sqs", Endpoint=arn,
                  Attributes={"RawMessageDelivery": "true"})
    return url


def _received(aws, url):
    messages = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_a_failed_charge_puts_the_processors_retry_page_in_the_next_reminder(client, aws, overdue):
    # When Stripe's automatic charge fails for the overdue invoice
    failed = wh.body(wh.stripe_event("invoice.payment_failed", wh.stripe_invoice(0, status="open"), "evt_failed"))
    answer = post(client, overdue["tenant_id"], "stripe", failed, wh.stripe_headers(failed))
    assert json.loads(answer.body)["events"][0]["outcome"] == "applied"

    # Then the balance is unchanged, dunning goes on, and the reminder links to the card-update page
    assert get_account(client, overdue)["balance"] == {"EUR": 4900}
    assert sweep(aws, "2026-12-01T09:00:00Z")["sent"] == 1
    raw = sent_emails()[0].raw_data
    raw = raw if isinstance(raw, str) else raw.decode()
    assert "https://invoice.stripe.com/i/acct_1/test" in raw
    assert "https://pay.example/1001" not in raw


def test_a_worker_that_picked_the_account_before_a_refund_sends_nothing(client, aws, overdue):
    # Given the sweep queued the account, and then a refund holds it (simulated: held, yet still due)
    from datetime import UTC, datetime

    from chalicelib.adapters.clock import FixedClock
    from chalicelib.bootstrap import Container

    repo = aws.account_repository
    account = repo.get(overdue["tenant_id"], "acct-1")
    account.hold_reason, account.state = "refund", "held"
    account.next_action_at = datetime(2026, 11, 20, tzinfo=UTC)
    repo.save(account)

    # When the worker evaluates it
    worker = Container(aws.settings, clock=FixedClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))).remind
    outcome = worker.process(overdue["tenant_id"], "acct-1")

    # Then nothing is sent and the account leaves the due index
    assert (outcome.kind, outcome.reason) == ("skipped", "held")
    assert sent_emails() == []
    assert repo.get(overdue["tenant_id"], "acct-1").next_action_at is None


def test_the_thank_you_waits_for_a_decent_hour_and_respects_an_unsubscribe(client, aws, overdue):
    # Given a payment reported in the night
    payload = stripe_paid()
    post(client, overdue["tenant_id"], "stripe", payload, wh.stripe_headers(payload))

    # When the sweep runs at 23:30 in Madrid, the thank-you waits for the morning; it goes out at 08:00
    night = sweep(aws, "2026-12-01T22:30:00Z")
    assert night["sent"] == 0 and night["deferred"] == 1
    assert sweep(aws, "2026-12-02T07:00:00Z")["sent"] == 1

    # And a debtor who unsubscribed gets no thank-you for a later payment
    repo = aws.account_repository
    account = repo.get(overdue["tenant_id"], "acct-1")
    account.email_suppressed = "unsubscribed"
    repo.save(account)
    refund_then_pay = stripe_paid(amount_paid=4900, event_id="evt_other")
    later = json.loads(refund_then_pay)
    later["data"]["object"]["id"] = "in_2"
    later_body = wh.body(later)
    post(client, overdue["tenant_id"], "stripe", later_body, wh.stripe_headers(later_body))
    summary = sweep(aws, "2026-12-03T09:00:00Z")
    assert summary["sent"] == 0 and summary["withheld"] == {"email_unsubscribed": 1}
    assert len(sent_emails()) == 1


# --- signed by the processor, yet malformed: a 400 (the processor stops retrying), nothing written ----------

NAMED_CASES = [  # issue 7's examples; tests/unit/adapters/test_processors.py goes through every field
    ("stripe", wh.stripe_paid_with(data=["not", "an", "object"]), "data"),
    ("stripe", wh.stripe_paid_with(data__object="in_1Abc"), "data.object"),
    ("stripe", wh.stripe_paid_with(created=253402300800), "created"),  # the year 10000
    ("stripe", wh.stripe_paid_with(created=int(time.time()) + 30 * 86400), "created"),
    ("paddle", wh.paddle_completed_with(details=["totals"]), "data.details"),
    ("paddle", wh.paddle_completed_with(details="4900"), "data.details"),
    ("gocardless", wh.gocardless_confirmed_with(links=["PM0123ABCD"]), "events[0].links"),
    ("gocardless", wh.gocardless_confirmed_with(created_at="9999-12-31T23:59:59-23:59"), "events[0].created_at"),
    ("standard", wh.standard_succeeded_with(timestamp="9999-12-31T23:59:59Z"), "timestamp"),
]


@pytest.mark.parametrize("provider, payload, field", NAMED_CASES)
def test_a_signed_but_malformed_body_is_a_400_naming_the_field_and_writes_nothing(client, overdue, provider,
                                                                                   payload, field):
    set_secret(client, overdue, provider, wh.SECRETS[provider])
    before, timeline = get_account(client, overdue), timeline_types(client, overdue)

    answer = post(client, overdue["tenant_id"], provider, payload, wh.signed(provider, payload))

    assert answer.status_code == 400, answer.body
    error = json.loads(answer.body)["error"]
    assert (error["code"], error["field"]) == ("invalid", field)
    assert get_account(client, overdue) == before
    assert timeline_types(client, overdue) == timeline
