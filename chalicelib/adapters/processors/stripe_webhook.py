"""Stripe: `Stripe-Signature` checked by Stripe's own library; invoice and charge events normalised.

Used events: invoice.paid / invoice.payment_succeeded (amount_paid is cumulative per invoice),
invoice.payment_failed (with the hosted invoice page to retry), charge.refunded (amount_refunded is
cumulative per charge), charge.dispute.created (a chargeback). Put `kindly_account_id` in the metadata
of invoices and charges when the Stripe customer id is not on the Kindly account.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.processors import (
    TOLERANCE_SECONDS,
    currency,
    from_epoch,
    header,
    json_body,
    minor_units,
    text,
)
from chalicelib.domain.errors import InvalidInput, Unauthenticated
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED, PaymentEvent

PROVIDER = "stripe"
INVOICE_EVENTS = {"invoice.paid": SUCCEEDED, "invoice.payment_succeeded": SUCCEEDED,
                  "invoice.payment_failed": FAILED}


def parse(body: bytes, headers: Mapping[str, str], secret: str) -> list[PaymentEvent]:
    signature = header(headers, "Stripe-Signature")
    import stripe  # slow to import: only webhooks pay for it

    try:
        stripe.WebhookSignature.verify_header(body, signature, secret, tolerance=TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise Unauthenticated("the Stripe signature does not match, or its timestamp is too old",
                              "Stripe-Signature") from exc
    event = json_body(body)
    if not isinstance(event, dict) or not isinstance((event.get("data") or {}).get("object"), dict):
        raise InvalidInput("not a Stripe event", "body")
    kind, obj = event.get("type"), event["data"]["object"]
    event_id, at = str(event.get("id") or ""), from_epoch(event.get("created"), "created")
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    common: dict[str, Any] = {"provider": PROVIDER, "event_id": event_id, "occurred_at": at,
                              "customer_ref": text(obj.get("customer")),
                              "account_ref": text(metadata.get("kindly_account_id")),
                              "invoice_id": text(metadata.get("kindly_invoice_id"))}
    if kind in INVOICE_EVENTS:
        succeeded = INVOICE_EVENTS[kind] == SUCCEEDED
        amount_field = "amount_paid" if succeeded else "amount_due"
        return [PaymentEvent(kind=INVOICE_EVENTS[kind], payment_ref=str(obj.get("id")),
                             invoice_ref=text(obj.get("id")), currency=currency(obj.get("currency"), "currency"),
                             amount=minor_units(obj.get(amount_field), amount_field),
                             pay_url=None if succeeded else text(obj.get("hosted_invoice_url")), **common)]
    if kind == "charge.refunded":
        return [PaymentEvent(kind=REFUNDED, payment_ref=str(obj.get("id")), invoice_ref=text(obj.get("invoice")),
                             currency=currency(obj.get("currency"), "currency"),
                             amount=minor_units(obj.get("amount_refunded"), "amount_refunded"), **common)]
    if kind == "charge.dispute.created":
        return [PaymentEvent(kind=CHARGEBACK, payment_ref=str(obj.get("charge") or obj.get("id")),
                             currency=currency(obj.get("currency"), "currency"),
                             amount=minor_units(obj.get("amount"), "amount"), **common)]
    return []
