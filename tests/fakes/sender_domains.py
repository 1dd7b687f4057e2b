"""SES domain identities and DNS TXT answers, in memory (ports.SenderDomains, ports.DnsTxt).

Like SES, set_up is idempotent (the same DKIM tokens the second time) and a new identity's DKIM and MAIL FROM
are Pending until `verify` says the tenant published its records. FakeDns answers what `publish` put there, or
None for every name when built offline (no resolver)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from msgspec.structs import replace

from chalicelib.domain.deliverability import SenderDomain


class FakeSenderDomains:
    def __init__(self) -> None:
        self.identities: dict[str, SenderDomain] = {}
        self.calls = 0

    def set_up(self, domain: str, mail_from_domain: str) -> SenderDomain:
        self.calls += 1
        current = self.identities.get(domain)
        if current is None:
            tokens = tuple(hashlib.sha256(f"{domain}{n}".encode()).hexdigest()[:32] for n in range(3))
            current = SenderDomain(domain, tokens, "Pending", None, None)
        if current.mail_from_domain != mail_from_domain:
            current = replace(current, mail_from_domain=mail_from_domain, mail_from_status="Pending")
        self.identities[domain] = current
        return current

    def status(self, domain: str) -> SenderDomain | None:
        self.calls += 1
        return self.identities.get(domain)

    def verify(self, domain: str, dkim: str = "Success", mail_from: str = "Success") -> None:
        """What SES does once it finds the tenant's CNAMEs and MX."""
        self.identities[domain] = replace(self.identities[domain], dkim_status=dkim, mail_from_status=mail_from)


class FakeDns:
    def __init__(self, *, offline: bool = False) -> None:
        self.offline = offline
        self.records: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def publish(self, name: str, *txt: str) -> None:
        self.records.setdefault(name, []).extend(txt)

    def txt(self, name: str) -> list[str] | None:
        self.asked.append(name)
        return None if self.offline else list(self.records.get(name, []))


if TYPE_CHECKING:
    from chalicelib.domain import ports

    _domains: ports.SenderDomains = FakeSenderDomains()
    _dns: ports.DnsTxt = FakeDns()
