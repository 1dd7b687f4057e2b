"""Signed, expiring, single-account links for the self-service page and one-click unsubscribe."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.domain.errors import Unauthenticated

PORTAL = "p"
UNSUBSCRIBE = "u"


@dataclass(frozen=True)
class LinkClaims:
    tenant_id: str
    account_id: str
    purpose: str
    expires: int  # unix seconds


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_link(secret: bytes, tenant_id: str, account_id: str, purpose: str, now: datetime, ttl: timedelta) -> str:
    payload = json.dumps(
        {"t": tenant_id, "a": account_id, "p": purpose, "e": int((now + ttl).timestamp())},
        separators=(",", ":"),
    ).encode()
    signature = hmac.new(secret, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def read_link(secret: bytes, token: str, purpose: str, now: datetime) -> LinkClaims:
    """Check signature, purpose and expiry; raise Unauthenticated on any doubt, saying only what is safe."""
    try:
        payload_part, signature_part = token.split(".", 1)
        payload = _unb64(payload_part)
        signature = _unb64(signature_part)
    except (ValueError, TypeError) as exc:
        raise Unauthenticated("this link is not valid") from exc
    expected = hmac.new(secret, payload, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise Unauthenticated("this link is not valid")
    data = json.loads(payload)
    if data.get("p") != purpose:
        raise Unauthenticated("this link is not valid here")
    if int(data["e"]) < now.timestamp():
        raise Unauthenticated("this link has expired")
    return LinkClaims(data["t"], data["a"], data["p"], int(data["e"]))
