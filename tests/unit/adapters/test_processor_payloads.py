"""A hostile caller who holds the secret: whatever a correctly signed body says, each processor's parser either
returns Kindly events or refuses with InvalidInput (a 400 the processor stops retrying), never anything else."""

from __future__ import annotations

import base64
import hmac
import json
import time
from hashlib import sha256
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.adapters.processors import parser_for
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import MAX_AMOUNT, is_currency
from chalicelib.domain.payments import KINDS, PaymentEvent
from tests.support import webhooks as wh

# Values a JSON body can carry, with the edges that break naive readers: Unix times beyond year 9999 or
# before year 1, huge integers, NaN and infinities, digits that are not ASCII, instants whose offset
# pushes them out of datetime's range.
EDGE_INTEGERS = st.sampled_from([0, -1, 1, 2**31, 2**63, 10**20, MAX_AMOUNT + 1, 253402300800, -62135596801])
EDGE_TEXTS = st.sampled_from([
    "", " ", "EUR", "eur", "xts", "4900", "-5", "1e3", "²", "١٢٣", "None", "x" * 300, "\u202eevil", "a\x00b",
    "2026-11-27T09:00:00Z", "2026-11-27", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
    "10000-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "javascript:alert(1)",
])
SCALARS = (st.none() | st.booleans() | st.integers() | EDGE_INTEGERS | st.floats() | st.text(max_size=12)
           | EDGE_TEXTS)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)


def concrete(template: Any) -> st.SearchStrategy[Any]:
    """Payloads of the template's shape; a tuple is a choice among its values (event types and the like)."""
    if isinstance(template, tuple):
        return st.sampled_from(template)
    if isinstance(template, dict):
        return st.fixed_dictionaries({key: concrete(value) for key, value in template.items()})
    if isinstance(template, list):
        return st.lists(concrete(template[0]), min_size=1, max_size=3)
    return st.just(template)


def plain(template: Any) -> Any:
    """The template with the first of each choice: a payload every parser reads as an event."""
    if isinstance(template, tuple):
        return template[0]
    if isinstance(template, dict):
        return {key: plain(value) for key, value in template.items()}
    if isinstance(template, list):
        return [plain(template[0])]
    return template


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    return [prefix, *(path for key, child in children for path in paths(child, (*prefix, key)))]


@st.composite
def mutated(draw: st.DrawFn, template: Any) -> Any:
    """A well-formed payload with up to three fields broken: removed, or replaced by any JSON value. Few
    enough that the parser reads past them to the fields it checks last."""
    payload = draw(concrete(template))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(paths(payload)))
        if not path:
            return draw(JSON)
        parent = payload
        for key in path[:-1]:
            parent = parent[key]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return payload


def encoded(payload: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """The payload as JSON text (big integers and NaN included, as Python writes them), or any bytes at all."""
    return st.one_of(payload.map(lambda value: json.dumps(value).encode()), payload.map(lambda value: json.dumps(
        value, ensure_ascii=False).encode()), st.binary(max_size=64))


NOW = int(time.time())
# Each processor's payload as Kindly reads it; a tuple is a choice (the event types each parser uses, and one
# it ignores).
STRIPE = {"id": "evt_1", "object": "event", "created": NOW, "livemode": False,
          "type": ("invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed", "charge.refunded",
                   "charge.dispute.created", "customer.updated"),
          "data": {"object": {"id": "in_1", "charge": "ch_1", "invoice": "in_1", "customer": "cus_1",
                              "currency": "eur", "amount": 4900, "amount_due": 4900, "amount_paid": 4900,
                              "amount_refunded": 100, "hosted_invoice_url": "https://invoice.stripe.com/i/1",
                              "metadata": {"kindly_account_id": "acct-1", "kindly_invoice_id": "INV-1"}}}}
PADDLE = {"event_id": "evt_1", "occurred_at": "2026-11-27T09:00:00.000Z",
          "event_type": ("transaction.completed", "transaction.payment_failed", "adjustment.created",
                         "adjustment.updated", "customer.created"),
          "data": {"id": "txn_1", "transaction_id": "txn_1", "customer_id": "ctm_1", "currency_code": "EUR",
                   "action": ("refund", "chargeback", "credit"), "status": ("approved", "pending_approval"),
                   "custom_data": {"kindly_account_id": "acct-1", "kindly_invoice_id": "INV-1"},
                   "details": {"totals": {"grand_total": "4900"}}, "totals": {"total": "4900"}}}
GOCARDLESS = {"events": [{"id": "EV1", "created_at": "2026-11-27T09:00:00.000Z",
                          "resource_type": ("payments", "refunds", "mandates"),
                          "action": ("confirmed", "failed", "charged_back", "created"),
                          "links": {"payment": "PM1", "customer": "CU1"},
                          "resource_metadata": {"kindly_account_id": "acct-1", "kindly_invoice_id": "INV-1",
                                                "currency": "EUR"}}]}
STANDARD = {"type": ("payment.succeeded", "payment.failed", "payment.refunded", "payment.charged_back",
                     "invoice.created"),
            "timestamp": "2026-11-27T09:00:00Z",
            "data": {"account_id": "acct-1", "payment_id": "pay_1", "amount": 4900, "currency": "EUR",
                     "invoice_id": "INV-1", "customer_id": "cus_1", "processor_invoice_id": "in_1",
                     "pay_url": "https://pay.example/1"}}


def standard_headers(body: bytes) -> dict[str, str]:
    """The Standard Webhooks scheme over the raw bytes (the reference library only signs text)."""
    ts = str(int(time.time()))
    key = base64.b64decode(wh.STANDARD_SECRET.removeprefix("whsec_"))
    signature = base64.b64encode(hmac.new(key, b"msg_1." + ts.encode() + b"." + body, sha256).digest()).decode()
    return {"webhook-id": "msg_1", "webhook-timestamp": ts, "webhook-signature": f"v1,{signature}"}


SIGNED = {
    "stripe": (STRIPE, lambda body: wh.stripe_headers(body), wh.STRIPE_SECRET),
    "paddle": (PADDLE, lambda body: wh.paddle_headers(body), wh.PADDLE_SECRET),
    "gocardless": (GOCARDLESS, wh.gocardless_headers, wh.GOCARDLESS_SECRET),
    "standard": (STANDARD, standard_headers, wh.STANDARD_SECRET),
}


def assert_events_or_refusal(provider: str, body: bytes) -> None:
    template, sign, secret = SIGNED[provider]
    try:
        events = parser_for(provider)(body, sign(body), secret)
    except InvalidInput as refusal:
        assert refusal.field, "a refusal names the field to fix"
        return
    for event in events:
        assert isinstance(event, PaymentEvent) and event.provider == provider and event.kind in KINDS
        assert event.amount is None or 0 <= event.amount <= MAX_AMOUNT
        assert event.currency is None or is_currency(event.currency)
        assert event.occurred_at.utcoffset() is not None and 2000 <= event.occurred_at.year <= 9998
        assert isinstance(event.payment_ref, str) and 0 < len(event.payment_ref) <= 256
        for ref in (event.event_id, event.customer_ref, event.invoice_ref, event.account_ref, event.invoice_id):
            assert ref is None or (isinstance(ref, str) and len(ref) <= 256)
        assert event.pay_url is None or event.pay_url.startswith(("https://", "http://"))


@pytest.mark.parametrize("provider", SIGNED)
def test_the_unbroken_payloads_are_read_as_events(provider):
    # the base the hostile payloads are broken from: without it the property below would prove little
    template, sign, secret = SIGNED[provider]
    body = json.dumps(plain(template)).encode()
    [event] = parser_for(provider)(body, sign(body), secret)
    assert event.kind in KINDS and event.payment_ref


HOSTILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HOSTILE
@given(encoded(mutated(STRIPE)))
def test_any_signed_stripe_body_gives_events_or_a_400(body):
    assert_events_or_refusal("stripe", body)


@HOSTILE
@given(encoded(mutated(PADDLE)))
def test_any_signed_paddle_body_gives_events_or_a_400(body):
    assert_events_or_refusal("paddle", body)


@HOSTILE
@given(encoded(mutated(GOCARDLESS)))
def test_any_signed_gocardless_body_gives_events_or_a_400(body):
    assert_events_or_refusal("gocardless", body)


@HOSTILE
@given(encoded(mutated(STANDARD)))
def test_any_signed_standard_webhooks_body_gives_events_or_a_400(body):
    assert_events_or_refusal("standard", body)
