"""GoCardless: `Webhook-Signature` is the hex HMAC-SHA256 of the body with the endpoint's secret (GoCardless's
documented scheme; there is no timestamp, so replays are absorbed by the ledger, which applies an event once).
One body carries several events. GoCardless events carry no amounts: a confirmed payment settles the invoice
it names (payment metadata `kindly_invoice_id`, or the oldest open one, in that invoice's currency unless the
metadata gives `currency`), and a refund or chargeback takes back the whole payment Kindly recorded. Payment
metadata `kindly_account_id` names the account.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.adapters.processors import currency, from_iso, header, hmac_sha256_hex, json_body, same, text
from chalicelib.domain.errors import InvalidInput, Unauthenticated
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED, PaymentEvent

PROVIDER = "gocardless"
PAYMENT_ACTIONS = {"confirmed": SUCCEEDED, "failed": FAILED, "charged_back": CHARGEBACK}
REFUND_ACTIONS = {"created": REFUNDED}


def parse(body: bytes, headers: Mapping[str, str], secret: str) -> list[PaymentEvent]:
    if not same(hmac_sha256_hex(secret, body), header(headers, "Webhook-Signature")):
        raise Unauthenticated("the GoCardless signature does not match", "Webhook-Signature")
    payload = json_body(body)
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        raise InvalidInput("not a GoCardless webhook", "body")
    return [event for raw in events if (event := _event(raw)) is not None]


def _event(raw: Any) -> PaymentEvent | None:
    if not isinstance(raw, dict):
        raise InvalidInput("each GoCardless event must be an object", "events")
    actions = {"payments": PAYMENT_ACTIONS, "refunds": REFUND_ACTIONS}.get(str(raw.get("resource_type")), {})
    kind = actions.get(str(raw.get("action")))
    if kind is None:
        return None
    links = raw.get("links") if isinstance(raw.get("links"), dict) else {}
    metadata = raw.get("resource_metadata") if isinstance(raw.get("resource_metadata"), dict) else {}
    payment = text(links.get("payment"))
    if payment is None:
        raise InvalidInput("a GoCardless payment event must link its payment", "links.payment")
    return PaymentEvent(
        provider=PROVIDER, event_id=str(raw.get("id") or ""), kind=kind,
        occurred_at=from_iso(raw.get("created_at"), "created_at"), payment_ref=payment,
        currency=currency(metadata["currency"], "resource_metadata.currency") if metadata.get("currency") else None,
        amount=None,
        customer_ref=text(links.get("customer")), account_ref=text(metadata.get("kindly_account_id")),
        invoice_id=text(metadata.get("kindly_invoice_id")),
    )
