"""Each processor's parser: its own signature scheme, and only the events Kindly uses."""

from __future__ import annotations

import json

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
    assert err.value.field == "amount_paid"


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
