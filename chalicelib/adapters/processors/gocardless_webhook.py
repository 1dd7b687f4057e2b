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

from chalicelib.adapters.processors import header, hmac_sha256_hex, same
from chalicelib.adapters.processors.fields import (
    currency,
    event_type,
    from_iso,
    json_object,
    optional_ref,
    ref,
    section,
)
from chalicelib.domain.errors import InvalidInput, Unauthenticated
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED, PaymentEvent

PROVIDER = "gocardless"
PAYMENT_ACTIONS = {"confirmed": SUCCEEDED, "failed": FAILED, "charged_back": CHARGEBACK}
REFUND_ACTIONS = {"created": REFUNDED}


def parse(body: bytes, headers: Mapping[str, str], secret: str) -> list[PaymentEvent]:
    if not same(hmac_sha256_hex(secret, body), header(headers, "Webhook-Signature")):
        raise Unauthenticated("the GoCardless signature does not match", "Webhook-Signature")
    events = json_object(body, "a GoCardless webhook").get("events")
    if not isinstance(events, list):
        raise InvalidInput("not a GoCardless webhook: events must be a list", "events")
    return [event for index, raw in enumerate(events) if (event := _event(raw, f"events[{index}]")) is not None]


def _event(raw: Any, at: str) -> PaymentEvent | None:
    if not isinstance(raw, dict):
        raise InvalidInput("each GoCardless event must be an object", at)
    actions = {"payments": PAYMENT_ACTIONS, "refunds": REFUND_ACTIONS}.get(
        event_type(raw.get("resource_type"), f"{at}.resource_type"), {})
    kind = actions.get(event_type(raw.get("action"), f"{at}.action"))
    if kind is None:
        return None
    links = section(raw, "links", f"{at}.links")
    metadata = section(raw, "resource_metadata", f"{at}.resource_metadata")
    given_currency = metadata.get("currency")
    return PaymentEvent(
        provider=PROVIDER, event_id=optional_ref(raw.get("id"), f"{at}.id") or "", kind=kind,
        occurred_at=from_iso(raw.get("created_at"), f"{at}.created_at"),
        payment_ref=ref(links.get("payment"), f"{at}.links.payment"),
        currency=None if given_currency in (None, "") else currency(given_currency, f"{at}.resource_metadata.currency"),
        amount=None,
        customer_ref=optional_ref(links.get("customer"), f"{at}.links.customer"),
        account_ref=optional_ref(metadata.get("kindly_account_id"), f"{at}.resource_metadata.kindly_account_id"),
        invoice_id=optional_ref(metadata.get("kindly_invoice_id"), f"{at}.resource_metadata.kindly_invoice_id"),
    )
