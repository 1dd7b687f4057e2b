"""Standard Webhooks (standardwebhooks.com), for billing systems that send their own payment events. The
signature is checked by the reference library; the payload is Kindly's (inputs.webhooks.StandardPaymentIn):

    {"type": "payment.succeeded" | "payment.failed" | "payment.refunded" | "payment.charged_back",
     "timestamp": "2026-11-27T09:00:00Z",
     "data": {"account_id": "acct-1", "payment_id": "pay_1", "amount": 4900, "currency": "EUR",
              "invoice_id": "INV-1001", "customer_id": null, "processor_invoice_id": null, "pay_url": null}}

`amount` is cumulative per payment and type (a second partial refund reports the total refunded so far).
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.adapters.processors import header
from chalicelib.adapters.processors.fields import json_object, plausible, ref
from chalicelib.domain.errors import InvalidInput, Unauthenticated
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED, PaymentEvent
from chalicelib.inputs.parsing import parse as parse_model
from chalicelib.inputs.webhooks import StandardPaymentIn

PROVIDER = "standard"
TYPES = {"payment.succeeded": SUCCEEDED, "payment.failed": FAILED, "payment.refunded": REFUNDED,
         "payment.charged_back": CHARGEBACK}
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def verify(body: bytes, signed: dict[str, str], secret: str) -> None:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    try:
        body.decode()  # the library decodes the body itself and would fail with a UnicodeDecodeError
    except UnicodeDecodeError as exc:
        raise InvalidInput("the body is not UTF-8 JSON", "body") from exc
    try:
        Webhook(secret).verify(body, signed, json_parse=False)
    except WebhookVerificationError as exc:
        raise Unauthenticated(f"the webhook signature is not valid: {exc}", "webhook-signature") from exc
    except ValueError as exc:  # the library unpacks "v1,<base64>" and decodes it without checking either
        raise Unauthenticated("the webhook signature is malformed", "webhook-signature") from exc


def parse(body: bytes, headers: Mapping[str, str], secret: str) -> list[PaymentEvent]:
    signed = {name: header(headers, name) for name in HEADERS}
    verify(body, signed, secret)
    json_object(body, "a Standard Webhooks payment event")  # names the body when it is not a JSON object
    message = parse_model(StandardPaymentIn, body)
    kind = TYPES.get(message.type)
    if kind is None:
        return []
    data = message.data
    return [PaymentEvent(provider=PROVIDER, event_id=ref(signed["webhook-id"], "webhook-id"), kind=kind,
                         occurred_at=plausible(message.timestamp, "timestamp"),
                         payment_ref=data.payment_id, currency=data.currency, amount=data.amount,
                         customer_ref=data.customer_id, invoice_ref=data.processor_invoice_id,
                         account_ref=data.account_id, invoice_id=data.invoice_id, pay_url=data.pay_url)]
