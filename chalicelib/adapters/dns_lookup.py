"""TXT lookups through dnspython, for `kindly tenant check` (SPF and DMARC are not something SES reports).
Offline is an answer, not an error: no resolver configured, or none answering in time, gives None."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LIFETIME_SECONDS = 4.0


def _system_resolver() -> Any:
    import dns.resolver

    return dns.resolver.Resolver()  # reads /etc/resolv.conf; NoResolverConfiguration when there is none


class DnsPythonTxt:
    def __init__(self, resolver: Callable[[], Any] = _system_resolver, lifetime: float = LIFETIME_SECONDS) -> None:
        self._resolver = resolver
        self._lifetime = lifetime

    def txt(self, name: str) -> list[str] | None:
        import dns.exception
        import dns.resolver

        try:
            resolver = self._resolver()
        except dns.resolver.NoResolverConfiguration:
            return None
        resolver.lifetime = self._lifetime
        try:
            answer = resolver.resolve(name, "TXT")
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.resolver.NoNameservers, dns.exception.Timeout, OSError):
            return None
        # A long TXT record arrives as several strings of up to 255 bytes: one record is their concatenation.
        return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]
