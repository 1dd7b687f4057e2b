"""Signed, expiring, single-account links for the self-service page and one-click unsubscribe.

Tokens are compact (they ride in SMS): version, purpose, expiry, the two ids, and a 128-bit HMAC-SHA256
tag, base64url-encoded without padding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from msgspec import Struct

from .errors import NotFound, Unauthenticated

if TYPE_CHECKING:
    from .accounts import Account

PORTAL = "p"
UNSUBSCRIBE = "u"
VERSION = 1
TAG_BYTES = 16
_HEADER = struct.Struct(">BcI")  # version, purpose, expiry (unix seconds)


SHORT_CODE_LENGTH = 10  # 62**10 is about 2**59: not guessable, and short enough for an SMS
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class ShortLink(Struct, frozen=True):
    """A short code standing for a signed link until it expires; stored, since a code cannot be verified."""

    code: str
    tenant_id: str
    account_id: str
    purpose: str
    expires: datetime


def new_short_code() -> str:
    import secrets

    return "".join(secrets.choice(_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def is_short_code(text: str) -> bool:
    return len(text) == SHORT_CODE_LENGTH and all(ch in _ALPHABET for ch in text)


class LinkClaims(Struct, frozen=True):
    tenant_id: str
    account_id: str
    purpose: str
    expires: int  # unix seconds


def _tag(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()[:TAG_BYTES]


def _field(text: str) -> bytes:
    raw = text.encode()
    if len(raw) > 255:
        raise ValueError("id too long for a link")
    return bytes([len(raw)]) + raw


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(token: str) -> bytes | None:
    """The bytes a token spells, or None unless it is their one spelling. Python's decoder skips characters
    outside the alphabet (junk appended, padding, a line break), takes + and / for - and _, and ignores the
    last character's unused bits: a token that does not encode back to itself is refused."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if _encode(raw) == token else None


def sign_link(secret: bytes, tenant_id: str, account_id: str, purpose: str, now: datetime, ttl: timedelta) -> str:
    expires = int((now + ttl).timestamp())
    payload = _HEADER.pack(VERSION, purpose.encode(), expires) + _field(tenant_id) + _field(account_id)
    return _encode(payload + _tag(secret, payload))


def read_link(secret: bytes, token: str, purpose: str, now: datetime) -> LinkClaims:
    """Check signature, purpose and expiry; raise Unauthenticated on any doubt, saying only what is safe."""
    invalid = Unauthenticated("this link is not valid")
    raw = _decode(token)
    if raw is None:
        raise invalid
    payload, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    if len(raw) <= _HEADER.size + TAG_BYTES or not hmac.compare_digest(tag, _tag(secret, payload)):
        raise invalid
    version, found_purpose, expires = _HEADER.unpack_from(payload)
    rest = payload[_HEADER.size:]
    try:
        tenant_len = rest[0]
        tenant_id = rest[1:1 + tenant_len].decode()
        account_len = rest[1 + tenant_len]
        account_id = rest[2 + tenant_len:2 + tenant_len + account_len].decode()
    except (IndexError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if version != VERSION:
        raise invalid
    if found_purpose.decode() != purpose:
        raise Unauthenticated("this link is not valid here")
    if expires < now.timestamp():
        raise Unauthenticated("this link has expired")
    return LinkClaims(tenant_id, account_id, purpose, expires)


def linked_account(claims: LinkClaims, find: Callable[[str, str], Account | None]) -> Account:
    """The account a checked link names (`find` reads it by tenant and account id); NotFound if it is gone."""
    account = find(claims.tenant_id, claims.account_id)
    if account is None:
        raise NotFound("this link no longer points to an account")
    return account
