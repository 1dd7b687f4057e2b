"""A tenant's sending domain as an SES identity, through the SES v1 API: VerifyDomainDkim creates the domain
identity with Easy DKIM (its three CNAMEs also verify the domain, so no TXT token is needed) and
SetIdentityMailFromDomain sets the custom MAIL FROM domain. SES v1 and v2 share identities; v1 is used because
it is the one moto models end to end. Called from the command line, with the operator's credentials."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.deliverability import SenderDomain


class SesSenderDomains:
    def __init__(self, client: Any) -> None:
        self._client = client

    def set_up(self, domain: str, mail_from_domain: str) -> SenderDomain:
        self._client.verify_domain_dkim(Domain=domain)  # creates the identity, or returns its existing tokens
        # UseDefaultValue: while the MX is not published yet, SES falls back to amazonses.com instead of
        # refusing to send.
        self._client.set_identity_mail_from_domain(Identity=domain, MailFromDomain=mail_from_domain,
                                                   BehaviorOnMXFailure="UseDefaultValue")
        found = self.status(domain)
        if found is None:
            raise RuntimeError(f"SES did not keep the identity {domain}")
        return found

    def status(self, domain: str) -> SenderDomain | None:
        known = self._client.get_identity_verification_attributes(Identities=[domain])["VerificationAttributes"]
        if domain not in known:
            return None
        dkim = self._client.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"].get(domain, {})
        mail_from = self._client.get_identity_mail_from_domain_attributes(
            Identities=[domain])["MailFromDomainAttributes"].get(domain, {})
        return SenderDomain(
            domain=domain,
            dkim_tokens=tuple(dkim.get("DkimTokens") or ()),
            dkim_status=str(dkim.get("DkimVerificationStatus") or "NotStarted"),
            mail_from_domain=mail_from.get("MailFromDomain") or None,
            mail_from_status=mail_from.get("MailFromDomainStatus") or None,
        )
