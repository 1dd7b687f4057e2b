"""One module per payment processor: check the processor's signature on the raw body, then turn its
events into Kindly's PaymentEvent. Each module exposes `parse(body, headers, secret) -> list[PaymentEvent]`;
events Kindly has no use for come back as an empty list (answered 200, so the processor stops retrying)."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from hashlib import sha256
from importlib import import_module

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.payments import PaymentEvent

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


def hmac_sha256_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, sha256).hexdigest()


def same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())
