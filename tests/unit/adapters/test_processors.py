"""Each processor's parser: its own signature scheme, and only the events Kindly uses."""

from __future__ import annotations

import json
import time

import pytest

from chalicelib.adapters.processors import parser_for
from chalicelib.domain.errors import InvalidInput, NotFound, Unauthenticated
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED
from tests.support import webhooks as wh


def test_stripe_events_are_normalised_and_others_ignored():
    parse = parser_for("stripe")
    failed = wh.body(wh.stripe_event("invoice.payment_failed", wh.stripe_invoice(0, status="open")))
    [event] = parse(failed, wh.stripe_headers(failed), wh.STRIPE_SECRET)
    assert (event.kind, event.amount, event.currency, event.customer_ref, event.invoice_ref) == (
        FAILED, 4900, "EUR", "cus_Q1w2e3", "in_1Abc")
    assert event.pay_url == "https://invoice.stripe.com/i/acct_1/test"
    dispute = wh.body(wh.stripe_event("charge.dispute.created", {"id": "dp_1", "charge": "ch_1", "amount": 4900,
                                                                  "currency": "eur", "metadata": {}}))
    assert parse(dispute, wh.stripe_headers(dispute), wh.STRIPE_SECRET)[0].kind == CHARGEBACK
    other = wh.body(wh.stripe_event("customer.updated", {"id": "cus_1"}))
    assert parse(other, wh.stripe_headers(other), wh.STRIPE_SECRET) == []


def test_a_signed_but_malformed_stripe_amount_is_refused():
    parse = parser_for("stripe")
    bad = wh.body(wh.stripe_event("invoice.paid", wh.stripe_invoice(amount_paid="lots")))
    with pytest.raises(InvalidInput) as err:
        parse(bad, wh.stripe_headers(bad), wh.STRIPE_SECRET)
    assert err.value.field == "data.object.amount_paid"


def test_paddle_refund_adjustments_count_once_approved():
    parse = parser_for("paddle")
    adjustment = {"event_id": "evt_a", "event_type": "adjustment.updated", "occurred_at": "2026-11-28T10:00:00Z",
                  "data": {"id": "adj_1", "action": "refund", "status": "approved", "transaction_id": "txn_1",
                           "customer_id": "ctm_1", "currency_code": "EUR", "totals": {"total": "1500"}}}
    raw = wh.body(adjustment)
    [event] = parse(raw, wh.paddle_headers(raw), wh.PADDLE_SECRET)
    assert (event.kind, event.amount, event.invoice_ref) == (REFUNDED, 1500, "txn_1")
    adjustment["data"]["status"] = "pending_approval"
    pending = wh.body(adjustment)
    assert parse(pending, wh.paddle_headers(pending), wh.PADDLE_SECRET) == []
    with pytest.raises(Unauthenticated):
        parse(pending, {"Paddle-Signature": "garbage"}, wh.PADDLE_SECRET)


def test_gocardless_reads_every_event_in_a_body_and_needs_the_payment_link():
    parse = parser_for("gocardless")
    payload = {"events": [
        {"id": "EV1", "created_at": "2026-11-27T09:00:00Z", "resource_type": "payments", "action": "confirmed",
         "links": {"payment": "PM1"}, "resource_metadata": {"kindly_account_id": "acct-1", "currency": "EUR"}},
        {"id": "EV2", "created_at": "2026-11-27T09:00:00Z", "resource_type": "mandates", "action": "created",
         "links": {"mandate": "MD1"}},
    ]}
    raw = wh.body(payload)
    [event] = parse(raw, wh.gocardless_headers(raw), wh.GOCARDLESS_SECRET)
    assert (event.kind, event.amount, event.account_ref) == (SUCCEEDED, None, "acct-1")
    del payload["events"][0]["links"]["payment"]
    raw = wh.body(payload)
    with pytest.raises(InvalidInput):
        parse(raw, wh.gocardless_headers(raw), wh.GOCARDLESS_SECRET)
    with pytest.raises(InvalidInput):
        parse(b"[]", wh.gocardless_headers(b"[]"), wh.GOCARDLESS_SECRET)


def test_standard_webhooks_headers_are_all_required():
    parse = parser_for("standard")
    raw = json.dumps({"type": "payment.succeeded", "timestamp": "2026-11-27T09:00:00Z",
                      "data": {"payment_id": "p", "amount": 1, "currency": "EUR"}}).encode()
    headers = wh.standard_headers(raw, "msg_1")
    del headers["webhook-id"]
    with pytest.raises(InvalidInput) as err:
        parse(raw, headers, wh.STANDARD_SECRET)
    assert err.value.field == "webhook-id"


def test_an_unknown_provider_is_not_found():
    with pytest.raises(NotFound):
        parser_for("../../etc")


# --- signatures: replay windows both ways, secret rotation, headers no processor would send ---------------

def test_a_stripe_signature_dated_beyond_the_tolerance_either_way_is_refused():
    parse = parser_for("stripe")
    raw = wh.body(wh.stripe_event("invoice.paid", wh.stripe_invoice()))
    now = int(time.time())
    assert parse(raw, wh.stripe_headers(raw, at=now + 60), wh.STRIPE_SECRET)[0].kind == SUCCEEDED
    # Stripe's library reads `t=<ts>=more` as <ts>; so does the future check
    header = wh.stripe_headers(raw, at=now)["Stripe-Signature"].replace(",", "=more,", 1)
    assert parse(raw, {"Stripe-Signature": header}, wh.STRIPE_SECRET)[0].kind == SUCCEEDED
    for at in (now + 3600, now - 3600):
        with pytest.raises(Unauthenticated) as err:
            parse(raw, wh.stripe_headers(raw, at=at), wh.STRIPE_SECRET)
        assert err.value.field == "Stripe-Signature"


def test_paddle_accepts_any_valid_h1_while_a_secret_is_rotated():
    parse = parser_for("paddle")
    raw = (wh.EVENTS / "paddle_transaction_completed.json").read_bytes()
    # the old secret's signature comes first: the tenant already stored the new one
    [event] = parse(raw, wh.paddle_headers(raw, rotating_from="pdl_ntfset_old_secret"), wh.PADDLE_SECRET)
    assert event.amount == 4900
    # and the other way round: the tenant still has the old secret
    [event] = parse(raw, wh.paddle_headers(raw, secret="pdl_ntfset_new_secret", rotating_from=wh.PADDLE_SECRET),
                    wh.PADDLE_SECRET)
    assert event.amount == 4900
    with pytest.raises(Unauthenticated):
        parse(raw, wh.paddle_headers(raw, secret="pdl_ntfset_new_secret", rotating_from="pdl_ntfset_old_secret"),
              wh.PADDLE_SECRET)


@pytest.mark.parametrize("provider, headers", [
    ("stripe", {"Stripe-Signature": "t=1700000000,v1=é"}),
    ("paddle", {"Paddle-Signature": "ts=²;h1=abc"}),
    ("paddle", {"Paddle-Signature": f"ts={'9' * 5000};h1=abc"}),
    ("paddle", {"Paddle-Signature": "ts=1;ts=2;h1=abc"}),
    ("gocardless", {"Webhook-Signature": "é"}),
    ("standard", {"webhook-id": "msg_1", "webhook-timestamp": str(int(time.time())), "webhook-signature": "garbage"}),
    ("standard", {"webhook-id": "msg_1", "webhook-timestamp": str(int(time.time())),
                  "webhook-signature": "v1,not*base64"}),
    ("standard", {"webhook-id": "msg_1", "webhook-timestamp": str(int(time.time())), "webhook-signature": "v1,é"}),
])
def test_a_signature_header_no_processor_would_send_is_refused_not_a_crash(provider, headers):
    secrets = {"stripe": wh.STRIPE_SECRET, "paddle": wh.PADDLE_SECRET, "gocardless": wh.GOCARDLESS_SECRET,
               "standard": wh.STANDARD_SECRET}
    with pytest.raises(Unauthenticated):
        parser_for(provider)(b'{"id": "evt_1"}', headers, secrets[provider])


@pytest.mark.parametrize("provider, sign", [
    ("stripe", lambda raw: wh.stripe_headers(raw)),
    ("paddle", lambda raw: wh.paddle_headers(raw)),
    ("gocardless", wh.gocardless_headers),
])
def test_a_signed_body_that_is_not_utf8_is_a_400(provider, sign):
    raw = b'{"id": "\xff\xfe"}'
    secret = {"stripe": wh.STRIPE_SECRET, "paddle": wh.PADDLE_SECRET, "gocardless": wh.GOCARDLESS_SECRET}[provider]
    with pytest.raises(InvalidInput) as err:
        parser_for(provider)(raw, sign(raw), secret)
    assert err.value.field == "body"


def test_paddle_notifications_kindly_does_not_use_are_answered_even_without_a_currency():
    # Paddle sends customer and subscription notifications to the same destination; a 400 would make it retry
    raw = wh.body({"event_id": "evt_c", "event_type": "customer.created", "occurred_at": "2026-11-28T10:00:00Z",
                   "data": {"id": "ctm_1", "email": "someone@example.com"}})
    assert parser_for("paddle")(raw, wh.paddle_headers(raw), wh.PADDLE_SECRET) == []


# --- signed by the processor, yet malformed: InvalidInput naming the field, never a crash -------------------

MALFORMED = [
    ("stripe", wh.stripe_paid_with(data=["not", "an", "object"]), "data"),
    ("stripe", wh.stripe_paid_with(data="evt"), "data"),
    ("stripe", wh.stripe_paid_with(data__object="in_1Abc"), "data.object"),
    ("stripe", wh.stripe_paid_with(data__object=[{"id": "in_1Abc"}]), "data.object"),
    ("stripe", wh.stripe_paid_with(created=253402300800), "created"),  # the year 10000
    ("stripe", wh.stripe_paid_with(created=10**20), "created"),
    ("stripe", wh.stripe_paid_with(created=-62135596801), "created"),  # before the year 1
    ("stripe", wh.stripe_paid_with(created=-1), "created"),
    ("stripe", wh.stripe_paid_with(created=int(time.time()) + 30 * 86400), "created"),
    ("stripe", wh.stripe_paid_with(created=1795770000.5), "created"),
    ("stripe", wh.stripe_paid_with(created=True), "created"),
    ("stripe", wh.stripe_paid_with(created="1795770000"), "created"),
    ("stripe", wh.stripe_paid_with(type=["invoice.paid"]), "type"),
    ("stripe", wh.stripe_paid_with(type={"invoice.paid": 1}), "type"),
    ("stripe", wh.stripe_paid_with(id=["evt_1"]), "id"),
    ("stripe", wh.stripe_paid_with(data__object__metadata=[]), "data.object.metadata"),
    ("stripe", wh.stripe_paid_with(data__object__metadata={"kindly_account_id": 7}),
     "data.object.metadata.kindly_account_id"),
    ("stripe", wh.stripe_paid_with(data__object__amount_paid="²"), "data.object.amount_paid"),
    ("stripe", wh.stripe_paid_with(data__object__amount_paid="9" * 5000), "data.object.amount_paid"),
    ("stripe", wh.stripe_paid_with(data__object__amount_paid=49.5), "data.object.amount_paid"),
    ("stripe", wh.stripe_paid_with(data__object__amount_paid=-1), "data.object.amount_paid"),
    ("stripe", wh.stripe_paid_with(data__object__amount_paid=False), "data.object.amount_paid"),
    ("stripe", wh.stripe_paid_with(data__object__currency=["eur"]), "data.object.currency"),
    ("stripe", wh.stripe_paid_with(data__object__id={"id": "in_1Abc"}), "data.object.id"),
    ("stripe", wh.stripe_paid_with(data__object__id=None), "data.object.id"),
    ("stripe", wh.stripe_paid_with(data__object__customer="c" * 5000), "data.object.customer"),
    ("stripe", wh.stripe_paid_with(data__object__customer={"id": "cus_1"}), "data.object.customer"),
    ("paddle", wh.paddle_completed_with(details=["totals"]), "data.details"),
    ("paddle", wh.paddle_completed_with(details="4900"), "data.details"),
    ("paddle", wh.paddle_completed_with(details={"totals": [4900]}), "data.details.totals"),
    ("paddle", wh.paddle_completed_with(details={"totals": {"grand_total": 1e300}}),
     "data.details.totals.grand_total"),
    ("paddle", wh.paddle_completed_with(currency_code=["EUR"]), "data.currency_code"),
    ("paddle", wh.paddle_completed_with(custom_data="acct-1"), "data.custom_data"),
    ("paddle", wh.paddle_completed_with(id=4900), "data.id"),
    ("gocardless", wh.gocardless_confirmed_with(links=["PM0123ABCD"]), "events[0].links"),
    ("gocardless", wh.gocardless_confirmed_with(resource_metadata=[]), "events[0].resource_metadata"),
    ("gocardless", wh.gocardless_confirmed_with(created_at="9999-12-31T23:59:59-23:59"), "events[0].created_at"),
    ("gocardless", wh.gocardless_confirmed_with(created_at="0001-01-01T00:00:00+23:59"), "events[0].created_at"),
    ("gocardless", wh.gocardless_confirmed_with(created_at=1795770000), "events[0].created_at"),
    ("gocardless", wh.gocardless_confirmed_with(created_at="2026-11-27T09:00:00"), "events[0].created_at"),
    ("gocardless", wh.gocardless_confirmed_with(action=["confirmed"]), "events[0].action"),
    ("gocardless", wh.gocardless_confirmed_with(resource_metadata={"currency": ["EUR"]}),
     "events[0].resource_metadata.currency"),
    ("gocardless", wh.gocardless_confirmed_with(resource_metadata={"currency": []}),
     "events[0].resource_metadata.currency"),
    ("standard", wh.standard_succeeded_with(timestamp="9999-12-31T23:59:59Z"), "timestamp"),
    ("standard", wh.standard_succeeded_with(timestamp="9999-12-31T23:59:59-23:59"), "timestamp"),
    ("standard", wh.standard_succeeded_with(timestamp="1970-01-01T00:00:00Z"), "timestamp"),
    ("standard", b"[]", "body"),
    ("standard", b"not json", "body"),
]


@pytest.mark.parametrize("provider, raw, field", MALFORMED)
def test_a_signed_but_malformed_body_is_invalid_input_naming_the_field(provider, raw, field):
    with pytest.raises(InvalidInput) as err:
        parser_for(provider)(raw, wh.signed(provider, raw), wh.SECRETS[provider])
    assert err.value.field == field
