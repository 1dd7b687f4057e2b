"""Sign webhook bodies the way each processor does, so tests drive the real verification path."""

from __future__ import annotations

import hmac
import json
import time
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

STRIPE_SECRET = "whsec_test_stripe_0123456789"
PADDLE_SECRET = "pdl_ntfset_test_0123456789"
GOCARDLESS_SECRET = "gc_webhook_test_0123456789"
STANDARD_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, sha256).hexdigest()


def stripe_headers(body: bytes, secret: str = STRIPE_SECRET, at: int | None = None) -> dict[str, str]:
    """Stripe's documented scheme: t=<unix>,v1=HMAC-SHA256("<t>.<body>")."""
    ts = int(time.time()) if at is None else at
    return {"Stripe-Signature": f"t={ts},v1={_hex(secret, f'{ts}.'.encode() + body)}",
            "Content-Type": "application/json; charset=utf-8"}


def paddle_headers(body: bytes, secret: str = PADDLE_SECRET, at: int | None = None, rotating_from: str | None = None
                   ) -> dict[str, str]:
    """Paddle's scheme: ts=<unix>;h1=HMAC-SHA256("<ts>:<body>"); during a secret rotation, one h1 per secret."""
    ts = int(time.time()) if at is None else at
    secrets = [rotating_from, secret] if rotating_from else [secret]
    signatures = "".join(f";h1={_hex(key, f'{ts}:'.encode() + body)}" for key in secrets)
    return {"Paddle-Signature": f"ts={ts}{signatures}", "Content-Type": "application/json"}


def gocardless_headers(body: bytes, secret: str = GOCARDLESS_SECRET) -> dict[str, str]:
    return {"Webhook-Signature": _hex(secret, body), "Content-Type": "application/json"}


def standard_headers(body: bytes, msg_id: str, secret: str = STANDARD_SECRET, at: datetime | None = None
                     ) -> dict[str, str]:
    from standardwebhooks.webhooks import Webhook

    when = at or datetime.now(UTC)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, when, body.decode()),
            "Content-Type": "application/json"}


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def stripe_event(event_type: str, obj: dict[str, Any], event_id: str = "evt_1", created: int | None = None
                 ) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "type": event_type, "created": created or int(time.time()),
            "livemode": False, "data": {"object": obj}}


def stripe_invoice(amount_paid: int = 4900, **changes: Any) -> dict[str, Any]:
    return {"id": "in_1Abc", "object": "invoice", "customer": "cus_Q1w2e3", "currency": "eur",
            "amount_due": 4900, "amount_paid": amount_paid, "status": "paid",
            "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1/test", "metadata": {}, **changes}


EVENTS = Path(__file__).resolve().parents[2] / "events" / "webhooks"


def stripe_paid_with(**changes: Any) -> bytes:
    """An invoice.paid event with fields replaced; `data__object__id` names a nested field."""
    event = stripe_event("invoice.paid", stripe_invoice(), "evt_changed")
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = event
        for key in parents:
            target = target[key]
        target[last] = value
    return body(event)


def paddle_completed_with(**data_changes: Any) -> bytes:
    event = json.loads((EVENTS / "paddle_transaction_completed.json").read_text())
    event["data"].update(data_changes)
    return body(event)


def gocardless_confirmed_with(**event_changes: Any) -> bytes:
    webhook = json.loads((EVENTS / "gocardless_payment_confirmed.json").read_text())
    webhook["events"][0].update(event_changes)
    return body(webhook)


def standard_succeeded_with(**changes: Any) -> bytes:
    return body(json.loads((EVENTS / "standard_payment_succeeded.json").read_text()) | changes)


SECRETS = {"stripe": STRIPE_SECRET, "paddle": PADDLE_SECRET, "gocardless": GOCARDLESS_SECRET,
           "standard": STANDARD_SECRET}


def signed(provider: str, raw: bytes) -> dict[str, str]:
    """The headers the provider would send with this body, signed with its test secret."""
    if provider == "standard":
        return standard_headers(raw, "msg_signed")
    return {"stripe": stripe_headers, "paddle": paddle_headers, "gocardless": gocardless_headers}[provider](raw)
