"""Paddle Billing: `Paddle-Signature: ts=...;h1=...` is an HMAC-SHA256 of "ts:body" with the endpoint's
secret key (Paddle's documented scheme). Used events: transaction.completed, transaction.payment_failed,
adjustment.created / adjustment.updated once approved (refunds and chargebacks). `custom_data` may carry
`kindly_account_id` and `kindly_invoice_id`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.processors import (
    TOLERANCE_SECONDS,
    currency,
    from_iso,
    header,
    hmac_sha256_hex,
    json_body,
    minor_units,
    same,
    text,
)
from chalicelib.domain.errors import InvalidInput, Unauthenticated
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED, PaymentEvent

PROVIDER = "paddle"
TRANSACTION_EVENTS = {"transaction.completed": SUCCEEDED, "transaction.payment_failed": FAILED}
ADJUSTMENT_ACTIONS = {"refund": REFUNDED, "chargeback": CHARGEBACK}


def verify(body: bytes, signature: str, secret: str, now: float) -> None:
    parts = dict(part.split("=", 1) for part in signature.split(";") if "=" in part)
    ts, given = parts.get("ts", ""), parts.get("h1", "")
    if not ts.isdigit() or not given:
        raise Unauthenticated("the Paddle signature is malformed", "Paddle-Signature")
    if abs(now - int(ts)) > TOLERANCE_SECONDS:
        raise Unauthenticated("the Paddle signature's timestamp is too old", "Paddle-Signature")
    if not same(hmac_sha256_hex(secret, ts.encode() + b":" + body), given):
        raise Unauthenticated("the Paddle signature does not match", "Paddle-Signature")


def parse(body: bytes, headers: Mapping[str, str], secret: str) -> list[PaymentEvent]:
    verify(body, header(headers, "Paddle-Signature"), secret, time.time())
    event = json_body(body)
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        raise InvalidInput("not a Paddle notification", "body")
    kind, data = event.get("event_type"), event["data"]
    custom = data.get("custom_data") if isinstance(data.get("custom_data"), dict) else {}
    common: dict[str, Any] = {"provider": PROVIDER, "event_id": str(event.get("event_id") or ""),
                              "occurred_at": from_iso(event.get("occurred_at"), "occurred_at"),
                              "customer_ref": text(data.get("customer_id")),
                              "account_ref": text(custom.get("kindly_account_id")),
                              "invoice_id": text(custom.get("kindly_invoice_id")),
                              "currency": currency(data.get("currency_code"), "currency_code")}
    if kind in TRANSACTION_EVENTS:
        totals = (data.get("details") or {}).get("totals") or {}
        return [PaymentEvent(kind=TRANSACTION_EVENTS[kind], payment_ref=str(data.get("id")),
                             invoice_ref=text(data.get("id")),
                             amount=minor_units(totals.get("grand_total"), "details.totals.grand_total"),
                             **common)]
    if kind in ("adjustment.created", "adjustment.updated"):
        action = ADJUSTMENT_ACTIONS.get(str(data.get("action")))
        if action is None or data.get("status") != "approved":
            return []
        totals = data.get("totals") or {}
        return [PaymentEvent(kind=action, payment_ref=str(data.get("id")), invoice_ref=text(data.get("transaction_id")),
                             amount=minor_units(totals.get("total"), "totals.total"), **common)]
    return []
