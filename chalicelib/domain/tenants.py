"""Tenants (creditors) and their API keys."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

FIRST_PARTY = "first_party"
THIRD_PARTY = "third_party"
ROLES = (FIRST_PARTY, THIRD_PARTY)

API_KEY_PREFIX = "kindly_"


@dataclass(frozen=True)
class Tenant:
    tenant_id: str
    name: str
    sender_email: str
    country: str
    timezone: str
    locale: str
    role: str = FIRST_PARTY
    support_email: str | None = None
    sms_sender_id: str | None = None
    created_at: datetime | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "tenant_id": self.tenant_id,
            "name": self.name,
            "sender_email": self.sender_email,
            "country": self.country,
            "timezone": self.timezone,
            "locale": self.locale,
            "role": self.role,
            "support_email": self.support_email,
            "sms_sender_id": self.sms_sender_id,
        }


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    key_hash: str
    tenant_id: str
    created_at: datetime


def new_tenant_id() -> str:
    return "ten_" + secrets.token_hex(8)


def new_api_key() -> tuple[str, str]:
    """A fresh key and its public id. The key is shown once; only its hash is stored."""
    key_id = "key_" + secrets.token_hex(6)
    return f"{API_KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}", key_id


def hash_api_key(key: str) -> str:
    # The key has 256 bits of entropy, so a fast hash is enough; no salt or stretching needed.
    return hashlib.sha256(key.encode()).hexdigest()
