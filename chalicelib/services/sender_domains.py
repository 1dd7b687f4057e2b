"""A tenant's own sender domain (deliverability for bulk senders): set it up in SES with Easy DKIM and a custom
MAIL FROM, list the DNS records to publish, and check which are in place (`kindly tenant create
--sender-domain`, `kindly tenant check`)."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.deliverability import (
    IN_PLACE,
    NO_RESOLVER,
    NOT_CHECKED,
    SenderDomain,
    covers,
    dns_records,
    mail_from_for,
    normalise_domain,
    record_status,
)
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.ports import DnsTxt, SenderDomains, TenantLookup


class SenderDomainService:
    def __init__(self, identities: SenderDomains, dns: DnsTxt, tenants: TenantLookup, region: str) -> None:
        self._identities = identities
        self._dns = dns
        self._tenants = tenants
        self._region = region

    def checked_domain(self, text: str, sender_email: str) -> str:
        """The domain, normalised, if the sender address sends under it; InvalidInput (sender_domain) if not."""
        try:
            domain = normalise_domain(text)
        except ValueError as exc:
            raise InvalidInput(f"sender_domain {exc}", "sender_domain") from exc
        if not covers(domain, sender_email):
            raise InvalidInput(f"the sender address must be at {domain} or one of its subdomains, so that DKIM "
                               "and SPF align with its From domain (DMARC)", "sender_domain")
        return domain

    def set_up(self, domain: str) -> dict[str, Any]:
        """Create (or keep) the SES identity; the records the tenant must publish."""
        identity = self._identities.set_up(domain, mail_from_for(domain))
        return {"domain": domain, "mail_from_domain": identity.mail_from_domain,
                "dns_records": [record.to_dict() for record in dns_records(identity, self._region)]}

    def covering(self, address: str) -> SenderDomain | None:
        """The SES domain identity mail from `address` is sent under: its domain's, or the nearest parent's."""
        labels = address.rpartition("@")[2].lower().split(".")
        for start in range(len(labels) - 1):  # never the bare top-level domain
            if (found := self._identities.status(".".join(labels[start:]))) is not None:
                return found
        return None

    def check(self, tenant_id: str) -> dict[str, Any]:
        """Which of the tenant's DNS records are in place: DKIM and MAIL FROM as SES reports them, SPF and DMARC
        by DNS lookup when a resolver answers."""
        tenant = self._tenants.get(tenant_id)
        if tenant is None:
            raise NotFound(f"no tenant {tenant_id!r}", "tenant")
        identity = self.covering(tenant.sender_email)
        if identity is None:
            domain = tenant.sender_email.rpartition("@")[2].lower()
            return {"tenant_id": tenant_id, "sender_email": tenant.sender_email, "sender_domain": None,
                    "ready": False, "records": [],
                    "note": f"no SES domain identity covers {domain}: SES signs with its own domain, which does not "
                            "align with the From address; create the tenant with --sender-domain"}
        answers: dict[str, list[str] | None] = {}
        records = []
        for record in dns_records(identity, self._region):
            txt = self._txt(record.name, answers) if record.type == "TXT" else None
            status = record_status(record, identity, txt)
            records.append({**record.to_dict(), "status": status,
                            **({"note": NO_RESOLVER} if status == NOT_CHECKED else {})})
        return {"tenant_id": tenant_id, "sender_email": tenant.sender_email, "sender_domain": identity.domain,
                "ready": all(r["status"] in (IN_PLACE, NOT_CHECKED) for r in records), "records": records}

    def _txt(self, name: str, answers: dict[str, list[str] | None]) -> list[str] | None:
        if None in answers.values():  # no resolver answered once: do not wait for it again
            return None
        if name not in answers:
            answers[name] = self._dns.txt(name)
        return answers[name]
