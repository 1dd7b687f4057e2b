"""Standard Webhooks (standardwebhooks.com), for billing systems that send their own payment events. The
signature is checked by the reference library; the payload is Kindly's (services.schemas.StandardPaymentIn):

    {"type": "payment.succeeded" | "payment.failed" | "payment.refunded" | "payment.charged_back",
     "timestamp": "2026-11-27T09:00:00Z",
     "data": {"account_id": "acct-1", "payment_id": "pay_1", "amount": 4900, "currency": "EUR",
              "invoice_id": "INV-1001", "customer_id": null, "processor_invoice_id": null, "pay_url": null}}

`amount` is cumulative per payment and type (a second partial refund reports the total refunded so far).
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.adapters.processors import header
from chalicelib.domain.errors import Unauthenticated
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED, PaymentEvent
from chalicelib.services.schemas import StandardPaymentIn
from chalicelib.services.schemas import parse as parse_model

PROVIDER = "standard"
TYPES = {"payment.succeeded": SUCCEEDED, "payment.failed": FAILED, "payment.refunded": REFUNDED,
         "payment.charged_back": CHARGEBACK}
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def parse(body: bytes, headers: Mapping[str, str], secret: str) -> list[PaymentEvent]:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    signed = {name: header(headers, name) for name in HEADERS}
    try:
        Webhook(secret).verify(body, signed)
    except WebhookVerificationError as exc:
        raise Unauthenticated(f"the webhook signature is not valid: {exc}", "webhook-signature") from exc
    message = parse_model(StandardPaymentIn, body)
    kind = TYPES.get(message.type)
    if kind is None:
        return []
    data = message.data
    return [PaymentEvent(provider=PROVIDER, event_id=signed["webhook-id"], kind=kind, occurred_at=message.timestamp,
                         payment_ref=data.payment_id, currency=data.currency, amount=data.amount,
                         customer_ref=data.customer_id, invoice_ref=data.processor_invoice_id,
                         account_ref=data.account_id, invoice_id=data.invoice_id, pay_url=data.pay_url)]
