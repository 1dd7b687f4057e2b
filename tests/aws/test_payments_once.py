"""Money moves once: a redelivered or replayed webhook changes nothing, and each distinct payment is audited
and thanked on its own."""

from __future__ import annotations

import json
import time

from tests.aws.test_first_reminder import auth, sweep
from tests.aws.test_webhooks import EVENTS, at, epoch, get_account, overdue, post, set_secret, stripe_paid  # noqa: F401
from tests.support import webhooks as wh
from tests.support.samples import account


def timeline(client, tenant, account_id="acct-1"):
    answer = client.http.get(f"/v1/accounts/{account_id}/timeline", headers=auth(tenant))
    return json.loads(answer.body)["events"]


def thanks_sent(client, tenant):
    return [e for e in timeline(client, tenant)
            if e["type"] == "message_sent" and e["details"].get("template") == "thank_you"]


def outcomes(answer):
    assert answer.status_code == 200, answer.body
    return [event["outcome"] for event in json.loads(answer.body)["events"]]


def gocardless_confirmed(invoice_id="INV-1001"):
    payload = json.loads((EVENTS / "gocardless_payment_confirmed.json").read_text())
    if invoice_id is None:
        del payload["events"][0]["resource_metadata"]["kindly_invoice_id"]
    return wh.body(payload)


# --- GoCardless: no amounts in its events, so a redelivery must not re-decide one ----------------------

def test_a_gocardless_payment_delivered_twice_stays_paid(client, overdue):  # noqa: F811
    set_secret(client, overdue, "gocardless", wh.GOCARDLESS_SECRET)
    payload = gocardless_confirmed()
    assert outcomes(post(client, overdue["tenant_id"], "gocardless", payload, wh.gocardless_headers(payload))) == [
        "applied"]
    paid = get_account(client, overdue)
    events_after_first = timeline(client, overdue)

    # When GoCardless delivers the same signed body again (a retry, or a replay of the old body)
    again = post(client, overdue["tenant_id"], "gocardless", payload, wh.gocardless_headers(payload))

    # Then nothing changes: the invoice stays paid, the ledger keeps its amount, nothing is audited
    assert outcomes(again) == ["unchanged"]
    stored = get_account(client, overdue)
    assert stored["balance"] == {"EUR": 0} and stored["invoices"][0]["amount_paid"] == 4900
    assert stored["payments"] == paid["payments"]
    assert timeline(client, overdue) == events_after_first


def test_a_redelivered_gocardless_payment_is_not_repriced_against_the_next_invoice(client, overdue):  # noqa: F811
    # Given two open invoices, and a GoCardless payment that names none (it settles the oldest)
    two = account(invoices=[
        {"id": "INV-1001", "amount": 4900, "currency": "EUR", "issued_on": "2026-11-01", "due_on": "2026-11-15"},
        {"id": "INV-1002", "amount": 7000, "currency": "EUR", "issued_on": "2026-11-05", "due_on": "2026-11-20"},
    ])
    assert client.http.put("/v1/accounts/acct-1", headers=auth(overdue), body=json.dumps(two)).status_code == 200
    set_secret(client, overdue, "gocardless", wh.GOCARDLESS_SECRET)
    payload = gocardless_confirmed(invoice_id=None)
    post(client, overdue["tenant_id"], "gocardless", payload, wh.gocardless_headers(payload))
    assert get_account(client, overdue)["balance"] == {"EUR": 7000}

    # When the same event arrives again
    again = post(client, overdue["tenant_id"], "gocardless", payload, wh.gocardless_headers(payload))

    # Then it still paid 49.00 of the oldest invoice, and the next one is owed in full
    assert outcomes(again) == ["unchanged"]
    stored = get_account(client, overdue)
    assert stored["balance"] == {"EUR": 7000}
    assert [(i["id"], i["amount_paid"]) for i in stored["invoices"]] == [("INV-1001", 4900), ("INV-1002", 0)]


def test_an_older_stripe_event_redelivered_after_a_newer_one_is_unchanged(client, overdue):  # noqa: F811
    # Given a partial payment and then the rest, both reported in the same second
    now = int(time.time())
    first, rest = stripe_paid(2000, "evt_part", now), stripe_paid(4900, "evt_rest", now)
    post(client, overdue["tenant_id"], "stripe", first, wh.stripe_headers(first))
    post(client, overdue["tenant_id"], "stripe", rest, wh.stripe_headers(rest))
    events_before = timeline(client, overdue)

    # When Stripe retries the first event
    again = post(client, overdue["tenant_id"], "stripe", first, wh.stripe_headers(first))

    # Then it is recognised by its id: the newer amount stands
    assert outcomes(again) == ["unchanged"]
    assert get_account(client, overdue)["balance"] == {"EUR": 0}
    assert timeline(client, overdue) == events_before


# --- one audit event and one thank-you per payment ------------------------------------------------------

def test_the_rest_of_a_partly_paid_stripe_invoice_is_audited_and_thanked_on_its_own(
        client, aws, app_clock, overdue):  # noqa: F811
    # Given a part paid on 30 Nov and thanked on 1 Dec
    app_clock(at("2026-11-30T12:00:00Z"))
    part = stripe_paid(2000, "evt_part", epoch("2026-11-30T11:59:00Z"))
    post(client, overdue["tenant_id"], "stripe", part, wh.stripe_headers(part))
    sweep(aws, "2026-12-01T09:00:00Z")
    assert len(thanks_sent(client, overdue)) == 1

    # When the debtor pays the rest of the same invoice, later that day
    app_clock(at("2026-12-01T12:00:00Z"))
    rest = stripe_paid(4900, "evt_rest", epoch("2026-12-01T11:59:00Z"))
    assert outcomes(post(client, overdue["tenant_id"], "stripe", rest, wh.stripe_headers(rest))) == ["applied"]

    # Then the second payment has its own audit event and its own thank-you
    payments = [e for e in timeline(client, overdue) if e["type"] == "payment_succeeded"]
    assert [e["details"]["event_id"] for e in payments] == ["evt_part", "evt_rest"]
    sweep(aws, "2026-12-02T09:00:00Z")
    assert len(thanks_sent(client, overdue)) == 2
    assert get_account(client, overdue)["balance"] == {"EUR": 0}

    # And a redelivery of either payment brings nothing new
    for body in (part, rest):
        assert outcomes(post(client, overdue["tenant_id"], "stripe", body, wh.stripe_headers(body))) == [
            "unchanged"]
    sweep(aws, "2026-12-03T09:00:00Z")
    assert len(thanks_sent(client, overdue)) == 2


def test_a_gocardless_chargeback_that_arrives_before_its_payment_still_takes_the_payment_back(
        client, overdue):  # noqa: F811
    # Given a GoCardless chargeback delivered before the confirmation of the payment it takes back
    set_secret(client, overdue, "gocardless", wh.GOCARDLESS_SECRET)
    confirmed = json.loads(gocardless_confirmed())
    chargeback = json.loads(gocardless_confirmed())
    chargeback["events"][0].update(id="EV0456CB", action="charged_back", created_at="2026-11-30T09:00:00.000Z")
    early = wh.body(chargeback)
    assert outcomes(post(client, overdue["tenant_id"], "gocardless", early, wh.gocardless_headers(early))) == [
        "applied"]

    # When the confirmation arrives, and then the chargeback is redelivered
    late = wh.body(confirmed)
    assert outcomes(post(client, overdue["tenant_id"], "gocardless", late, wh.gocardless_headers(late))) == [
        "applied"]
    again = post(client, overdue["tenant_id"], "gocardless", early, wh.gocardless_headers(early))

    # Then the money counts as gone back: the invoice is owed again, and the redelivery changes nothing
    assert outcomes(again) == ["unchanged"]
    stored = get_account(client, overdue)
    assert stored["balance"] == {"EUR": 4900} and stored["state"] == "held"
    assert stored["invoices"][0]["amount_paid"] == 0
