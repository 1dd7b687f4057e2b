"""One module per payment processor: check the processor's signature on the raw body, then turn its
events into Kindly's PaymentEvent. Each module exposes `parse(body, headers, secret) -> list[PaymentEvent]`;
events Kindly has no use for come back as an empty list (answered 200, so the processor stops retrying)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from hashlib import sha256
from importlib import import_module
from typing import Any

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.money import MAX_AMOUNT, is_currency
from chalicelib.domain.payments import PaymentEvent
from chalicelib.services.json_input import read_json

PROVIDERS = ("stripe", "paddle", "gocardless", "standard")
TOLERANCE_SECONDS = 300  # a signed timestamp older (or further ahead) than this is refused as a replay

Parser = Callable[[bytes, Mapping[str, str], str], list[PaymentEvent]]


def parser_for(provider: str) -> Parser:
    """The provider's parser, imported only when a webhook for it arrives (the SDKs are slow to import)."""
    if provider not in PROVIDERS:
        raise NotFound(f"no webhook provider {provider!r}; use one of {', '.join(PROVIDERS)}", "provider")
    module = import_module(f"chalicelib.adapters.processors.{provider}_webhook")
    parse: Parser = module.parse
    return parse


def header(headers: Mapping[str, str], name: str) -> str:
    """A required signature header (Chalice's headers are case-insensitive)."""
    value = headers.get(name) or headers.get(name.lower())
    if not value:
        raise InvalidInput(f"the {name} header is missing", name)
    return value


def json_body(body: bytes) -> Any:
    return read_json(body, "body")


def hmac_sha256_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, sha256).hexdigest()


def same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def minor_units(value: Any, field: str) -> int:
    """Processors send minor units as integers or as digit strings; anything else is refused."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise InvalidInput(f"{field} must be an amount in minor units", field)
    if isinstance(value, str) and not value.isdigit():
        raise InvalidInput(f"{field} must be an amount in minor units", field)
    amount = int(value)
    if not 0 <= amount <= MAX_AMOUNT:
        raise InvalidInput(f"{field} is out of range", field)
    return amount


def currency(value: Any, field: str) -> str:
    code = value.upper() if isinstance(value, str) else value
    if not is_currency(code):
        raise InvalidInput(f"{field} is not an ISO 4217 currency", field)
    return str(code)


def from_epoch(value: Any, field: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a Unix time", field)
    return datetime.fromtimestamp(value, UTC)


def from_iso(value: Any, field: str) -> datetime:
    try:
        instant = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{field} must be an ISO 8601 instant", field) from exc
    if instant.tzinfo is None:
        raise InvalidInput(f"{field} must carry an offset", field)
    return instant


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
