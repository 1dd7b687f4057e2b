"""Tenants (creditors) and their API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime
from urllib.parse import urlsplit

from msgspec import Struct

FIRST_PARTY = "first_party"
THIRD_PARTY = "third_party"
ROLES = (FIRST_PARTY, THIRD_PARTY)

API_KEY_PREFIX = "kindly_"
MIN_CONTRAST = 4.5  # WCAG 2.x AA for normal text: the accent carries white button text on the debtor's page


class Tenant(Struct, frozen=True):
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
    display_name: str | None = None  # the brand the debtor knows, when it differs from the legal name
    logo_url: str | None = None  # https only: the page allows images from this origin and no other
    accent_color: str | None = None  # #rrggbb, readable under white text (see readable_on_white)
    excluded_days: tuple[date, ...] = ()  # closure days: reminders wait as on a public holiday (domain/closures)
    reply_to: str | None = None  # where a debtor's written reply goes (Reply-To), so it reaches a person

    @property
    def reply_address(self) -> str | None:
        """The Reply-To of every email: the tenant's reply-to address, else its support address, else none
        (a reply then goes to the sender)."""
        return self.reply_to or self.support_email

    @property
    def brand(self) -> str:
        return self.display_name or self.name

    @property
    def logo_origin(self) -> str | None:
        if not self.logo_url:
            return None
        parts = urlsplit(self.logo_url)
        return f"{parts.scheme}://{parts.netloc}"

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
            "display_name": self.display_name,
            "logo_url": self.logo_url,
            "accent_color": self.accent_color,
            "excluded_days": [day.isoformat() for day in self.excluded_days],
            "reply_to": self.reply_to,
        }


class ApiKey(Struct, frozen=True):
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


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(color: str) -> float:
    """WCAG 2.x relative luminance of a #rrggbb colour."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_on_white(color: str) -> bool:
    """Whether white text on `color` (and `color` text on white) meets WCAG AA: the page uses it both ways."""
    return contrast_ratio(color, "#ffffff") >= MIN_CONTRAST
