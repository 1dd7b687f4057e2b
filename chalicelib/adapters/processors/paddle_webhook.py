"""Paddle Billing: `Paddle-Signature: ts=...;h1=...` is an HMAC-SHA256 of "ts:body" with the endpoint's
secret key (Paddle's documented scheme). While a secret is being rotated the header carries one `h1` per
secret; any one that matches passes. Used events: transaction.completed, transaction.payment_failed,
adjustment.created / adjustment.updated once approved (refunds and chargebacks). `custom_data` may carry
`kindly_account_id` and `kindly_invoice_id`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.processors import TOLERANCE_SECONDS, header, hmac_sha256_hex, same
from chalicelib.adapters.processors.fields import (
    currency,
    event_type,
    from_iso,
    json_object,
    minor_units,
    optional_ref,
    ref,
    section,
)
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED, PaymentEvent

PROVIDER = "paddle"
TRANSACTION_EVENTS = {"transaction.completed": SUCCEEDED, "transaction.payment_failed": FAILED}
ADJUSTMENT_EVENTS = ("adjustment.created", "adjustment.updated")
ADJUSTMENT_ACTIONS = {"refund": REFUNDED, "chargeback": CHARGEBACK}
MAX_TS_DIGITS = 12  # Unix seconds have 10 digits until the year 2286


def verify(body: bytes, signature: str, secret: str, now: float) -> None:
    parts = [part.partition("=") for part in signature.split(";")]
    stamps = [value for key, _, value in parts if key == "ts"]
    given = [value for key, _, value in parts if key == "h1" and value]
    ts = stamps[0] if len(stamps) == 1 else ""
    if not (ts.isascii() and ts.isdigit() and len(ts) <= MAX_TS_DIGITS) or not given:
        raise Unauthenticated("the Paddle signature is malformed", "Paddle-Signature")
    if abs(now - int(ts)) > TOLERANCE_SECONDS:
        raise Unauthenticated("the Paddle signature's timestamp is outside the tolerance", "Paddle-Signature")
    expected = hmac_sha256_hex(secret, ts.encode() + b":" + body)
    if not any([same(expected, candidate) for candidate in given]):  # a list: every candidate is compared
        raise Unauthenticated("the Paddle signature does not match", "Paddle-Signature")


def parse(body: bytes, headers: Mapping[str, str], secret: str) -> list[PaymentEvent]:
    verify(body, header(headers, "Paddle-Signature"), secret, time.time())
    event = json_object(body, "a Paddle notification")
    data = section(event, "data", "data", required=True)
    kind = event_type(event.get("event_type"), "event_type")
    if kind in TRANSACTION_EVENTS:
        totals = section(section(data, "details", "data.details"), "totals", "data.details.totals")
        return [PaymentEvent(kind=TRANSACTION_EVENTS[kind], payment_ref=ref(data.get("id"), "data.id"),
                             invoice_ref=ref(data.get("id"), "data.id"),
                             amount=minor_units(totals.get("grand_total"), "data.details.totals.grand_total"),
                             **_common(event, data))]
    if kind in ADJUSTMENT_EVENTS:
        action = ADJUSTMENT_ACTIONS.get(event_type(data.get("action"), "data.action"))
        if action is None or data.get("status") != "approved":
            return []
        totals = section(data, "totals", "data.totals")
        return [PaymentEvent(kind=action, payment_ref=ref(data.get("id"), "data.id"),
                             invoice_ref=optional_ref(data.get("transaction_id"), "data.transaction_id"),
                             amount=minor_units(totals.get("total"), "data.totals.total"), **_common(event, data))]
    return []  # other notifications (customers, subscriptions...) may carry no currency: nothing to read


def _common(event: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    custom = section(data, "custom_data", "data.custom_data")
    return {"provider": PROVIDER, "event_id": optional_ref(event.get("event_id"), "event_id") or "",
            "occurred_at": from_iso(event.get("occurred_at"), "occurred_at"),
            "customer_ref": optional_ref(data.get("customer_id"), "data.customer_id"),
            "account_ref": optional_ref(custom.get("kindly_account_id"), "data.custom_data.kindly_account_id"),
            "invoice_id": optional_ref(custom.get("kindly_invoice_id"), "data.custom_data.kindly_invoice_id"),
            "currency": currency(data.get("currency_code"), "data.currency_code")}
