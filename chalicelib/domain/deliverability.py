"""What the big mailbox providers ask of a bulk sender, and how far a tenant meets it: its own domain
authenticated (Easy DKIM, a custom MAIL FROM with SPF, a DMARC record), and low bounce and complaint rates.

Pure: the SES adapter reports what SES knows of the domain (SenderDomain), DNS answers are handed in, and this
module says which records to publish and which are in place."""

from __future__ import annotations

import re

from msgspec import Struct

MAIL_FROM_LABEL = "bounce"  # the MAIL FROM domain is bounce.<domain>
SPF = "v=spf1 include:amazonses.com ~all"

IN_PLACE, PENDING, FAILED, MISSING, NOT_CHECKED = "in_place", "pending", "failed", "missing", "not_checked"
NO_RESOLVER = "not checked: no DNS resolver"
# SES's own words for DKIM and MAIL FROM states (SES v1 API), as ours.
SES_STATUS = {"Success": IN_PLACE, "Pending": PENDING, "NotStarted": PENDING, "TemporaryFailure": PENDING,
              "Failed": FAILED}

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})+")


class SenderDomain(Struct, frozen=True):
    """What SES knows of a domain identity."""

    domain: str
    dkim_tokens: tuple[str, ...]
    dkim_status: str  # SES's word: Success, Pending, Failed, TemporaryFailure, NotStarted
    mail_from_domain: str | None
    mail_from_status: str | None  # SES's word, None while no MAIL FROM domain is set


class DnsRecord(Struct, frozen=True):
    purpose: str  # dkim, mail_from_mx, spf, dmarc
    type: str
    name: str
    value: str

    def to_dict(self) -> dict[str, str]:
        return {"purpose": self.purpose, "type": self.type, "name": self.name, "value": self.value}


def normalise_domain(text: str) -> str:
    """The domain in lower-case ASCII (IDNA for an internationalised one); ValueError naming what is wrong."""
    domain = text.strip().rstrip(".").lower()
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError("is not a domain name") from exc
    if len(domain) > 253 or not _DOMAIN.fullmatch(domain):
        raise ValueError("is not a domain name, such as acme.example.com")
    return domain


def covers(domain: str, address: str) -> bool:
    """Whether mail from `address` is sent under `domain` (its own domain or a subdomain of it)."""
    host = address.rpartition("@")[2].lower()
    return host == domain or host.endswith("." + domain)


def mail_from_for(domain: str) -> str:
    return f"{MAIL_FROM_LABEL}.{domain}"


def dmarc_suggestion(domain: str) -> str:
    # p=none first: reports arrive and nothing is rejected while the tenant checks every sender of its domain.
    return f"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}"


def dns_records(identity: SenderDomain, region: str) -> list[DnsRecord]:
    """The records the tenant must publish: three DKIM CNAMEs, the MAIL FROM MX and SPF, a DMARC suggestion."""
    mail_from = identity.mail_from_domain or mail_from_for(identity.domain)
    return [
        *(DnsRecord("dkim", "CNAME", f"{token}._domainkey.{identity.domain}", f"{token}.dkim.amazonses.com")
          for token in identity.dkim_tokens),
        DnsRecord("mail_from_mx", "MX", mail_from, f"10 feedback-smtp.{region}.amazonses.com"),
        DnsRecord("spf", "TXT", mail_from, f'"{SPF}"'),
        DnsRecord("dmarc", "TXT", f"_dmarc.{identity.domain}", f'"{dmarc_suggestion(identity.domain)}"'),
    ]


def record_status(record: DnsRecord, identity: SenderDomain, txt: list[str] | None) -> str:
    """Whether one record is in place: DKIM and the MAIL FROM MX as SES last saw them, SPF and DMARC from the
    TXT strings DNS answered for the record's name (None: no resolver, so not checked)."""
    if record.purpose == "dkim":
        return SES_STATUS.get(identity.dkim_status, PENDING)
    if record.purpose == "mail_from_mx":
        if identity.mail_from_domain is None or identity.mail_from_status is None:
            return MISSING  # no custom MAIL FROM set up: SES sends from amazonses.com, so SPF cannot align
        return SES_STATUS.get(identity.mail_from_status, PENDING)
    if txt is None:
        return NOT_CHECKED
    if record.purpose == "spf":
        spf = [t for t in txt if t.lower().startswith("v=spf1")]
        return IN_PLACE if len(spf) == 1 and "include:amazonses.com" in spf[0].lower() else MISSING
    return IN_PLACE if any(t.upper().startswith("V=DMARC1") for t in txt) else MISSING


def rates(sent: int, bounced: int, complained: int) -> dict[str, float]:
    """Bounce and complaint rates as fractions of the emails sent (SES's own measure), 0 before any is sent."""
    return {"bounce_rate": round(bounced / sent, 4) if sent else 0.0,
            "complaint_rate": round(complained / sent, 4) if sent else 0.0}
