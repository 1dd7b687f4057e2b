"""Stripe: `Stripe-Signature` checked by Stripe's own library; invoice and charge events normalised.

Used events: invoice.paid / invoice.payment_succeeded (amount_paid is cumulative per invoice),
invoice.payment_failed (with the hosted invoice page to retry), charge.refunded (amount_refunded is
cumulative per charge), charge.dispute.created (a chargeback). Put `kindly_account_id` in the metadata
of invoices and charges when the Stripe customer id is not on the Kindly account.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.processors import TOLERANCE_SECONDS, header
from chalicelib.adapters.processors.fields import (
    currency,
    event_type,
    from_epoch,
    json_object,
    minor_units,
    optional_ref,
    ref,
    section,
    url,
)
from chalicelib.domain.errors import InvalidInput, Unauthenticated
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED, PaymentEvent

PROVIDER = "stripe"
INVOICE_EVENTS = {"invoice.paid": SUCCEEDED, "invoice.payment_succeeded": SUCCEEDED,
                  "invoice.payment_failed": FAILED}


def verify(body: bytes, signature: str, secret: str, now: float) -> None:
    """Stripe's library checks the signature and refuses timestamps older than the tolerance; Kindly also
    refuses those further ahead than it, as for Paddle and Standard Webhooks."""
    import stripe  # slow to import: only webhooks pay for it

    refused = Unauthenticated("the Stripe signature does not match, or its timestamp is outside the tolerance",
                              "Stripe-Signature")
    if not signature.isascii():  # the library would compare non-ASCII text and fail with a TypeError
        raise refused
    try:
        body.decode()  # the library decodes the body itself and would fail with a UnicodeDecodeError
    except UnicodeDecodeError as exc:
        raise InvalidInput("the body is not UTF-8 JSON", "body") from exc
    try:
        stripe.WebhookSignature.verify_header(body, signature, secret, tolerance=TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise refused from exc
    if _signed_at(signature) > now + TOLERANCE_SECONDS:
        raise refused


def _signed_at(signature: str) -> int:
    """The header's timestamp, read exactly as the library read it (the first `t=`) when it verified it."""
    items = [item.split("=", 2) for item in signature.split(",")]
    return int([item[1] for item in items if item[0] == "t"][0])


def parse(body: bytes, headers: Mapping[str, str], secret: str) -> list[PaymentEvent]:
    verify(body, header(headers, "Stripe-Signature"), secret, time.time())
    event = json_object(body, "a Stripe event")
    obj = section(section(event, "data", "data", required=True), "object", "data.object", required=True)
    kind = event_type(event.get("type"), "type")
    if kind not in (*INVOICE_EVENTS, "charge.refunded", "charge.dispute.created"):
        return []
    metadata = section(obj, "metadata", "data.object.metadata")
    common: dict[str, Any] = {
        "provider": PROVIDER, "event_id": optional_ref(event.get("id"), "id") or "",
        "occurred_at": from_epoch(event.get("created"), "created"),
        "customer_ref": optional_ref(obj.get("customer"), "data.object.customer"),
        "account_ref": optional_ref(metadata.get("kindly_account_id"), "data.object.metadata.kindly_account_id"),
        "invoice_id": optional_ref(metadata.get("kindly_invoice_id"), "data.object.metadata.kindly_invoice_id"),
        "currency": currency(obj.get("currency"), "data.object.currency")}
    if kind in INVOICE_EVENTS:
        succeeded = INVOICE_EVENTS[kind] == SUCCEEDED
        amount_field = "amount_paid" if succeeded else "amount_due"
        invoice = ref(obj.get("id"), "data.object.id")
        pay_url = None if succeeded else url(obj.get("hosted_invoice_url"), "data.object.hosted_invoice_url")
        return [PaymentEvent(kind=INVOICE_EVENTS[kind], payment_ref=invoice, invoice_ref=invoice, pay_url=pay_url,
                             amount=minor_units(obj.get(amount_field), f"data.object.{amount_field}"), **common)]
    if kind == "charge.refunded":
        return [PaymentEvent(kind=REFUNDED, payment_ref=ref(obj.get("id"), "data.object.id"),
                             invoice_ref=optional_ref(obj.get("invoice"), "data.object.invoice"),
                             amount=minor_units(obj.get("amount_refunded"), "data.object.amount_refunded"), **common)]
    return [PaymentEvent(kind=CHARGEBACK, payment_ref=ref(obj.get("charge") or obj.get("id"), "data.object.charge"),
                         amount=minor_units(obj.get("amount"), "data.object.amount"), **common)]
