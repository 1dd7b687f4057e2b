"""A tenant's own sender domain (services/sender_domains.py) over the fakes: set up in SES with Easy DKIM and a
custom MAIL FROM, the records to publish, and a check that says which are in place."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from tests.unit.services.conftest import create_tenant


@pytest.fixture
def domains(container):
    return container.sender_domains


def test_setting_up_a_domain_gives_dkim_mail_from_and_dmarc_records(domains, faked):
    result = domains.set_up("acme.example.com")

    assert result["domain"] == "acme.example.com" and result["mail_from_domain"] == "bounce.acme.example.com"
    kinds = [(r["purpose"], r["type"]) for r in result["dns_records"]]
    assert kinds == [("dkim", "CNAME")] * 3 + [("mail_from_mx", "MX"), ("spf", "TXT"), ("dmarc", "TXT")]
    identity = faked.sender_domains.identities["acme.example.com"]
    assert [r["name"] for r in result["dns_records"][:3]] == [
        f"{token}._domainkey.acme.example.com" for token in identity.dkim_tokens]
    assert result["dns_records"][3]["value"] == f"10 feedback-smtp.{faked.settings.region}.amazonses.com"
    # And setting it up again changes nothing (SES keeps the identity and its tokens)
    assert domains.set_up("acme.example.com") == result


@pytest.mark.parametrize(("domain", "message"), [
    ("globex.example.com", "must be at globex.example.com"),
    ("not a domain", "is not a domain name"),
    ("mail.acme.example.com", "must be at mail.acme.example.com"),  # the sender is on the parent
])
def test_a_domain_the_sender_does_not_send_under_is_refused(domains, domain, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        domains.checked_domain(domain, "billing@acme.example.com")
    assert refused.value.field == "sender_domain"


def test_a_parent_domain_covers_a_sender_on_a_subdomain(domains):
    assert domains.checked_domain("Acme.Example.com.", "billing@mail.acme.example.com") == "acme.example.com"


def test_check_says_what_is_pending_and_what_dns_lacks(domains, tenants, faked):
    tenant = create_tenant(tenants, sender_email="billing@mail.acme.example.com")
    domains.set_up("acme.example.com")

    report = domains.check(tenant.tenant_id)

    assert report["sender_domain"] == "acme.example.com" and report["ready"] is False
    statuses = {(r["purpose"], r["status"]) for r in report["records"]}
    assert statuses == {("dkim", "pending"), ("mail_from_mx", "pending"), ("spf", "missing"), ("dmarc", "missing")}
    assert faked.dns.asked == ["bounce.acme.example.com", "_dmarc.acme.example.com"]


def test_check_is_ready_once_ses_verified_and_dns_has_spf_and_dmarc(domains, tenants, faked):
    tenant = create_tenant(tenants)
    domains.set_up("acme.example.com")
    faked.sender_domains.verify("acme.example.com")
    faked.dns.publish("bounce.acme.example.com", "v=spf1 include:amazonses.com ~all")
    faked.dns.publish("_dmarc.acme.example.com", "v=DMARC1; p=none; rua=mailto:dmarc@acme.example.com")

    report = domains.check(tenant.tenant_id)

    assert report["ready"] is True
    assert {r["status"] for r in report["records"]} == {"in_place"}


def test_without_a_resolver_spf_and_dmarc_are_not_checked_rather_than_failed(container, tenants, faked):
    faked.dns.offline = True
    tenant = create_tenant(tenants)
    container.sender_domains.set_up("acme.example.com")
    faked.sender_domains.verify("acme.example.com")

    report = container.sender_domains.check(tenant.tenant_id)

    dns_checked = [r for r in report["records"] if r["purpose"] in ("spf", "dmarc")]
    assert [(r["status"], r["note"]) for r in dns_checked] == [("not_checked", "not checked: no DNS resolver")] * 2
    assert faked.dns.asked == ["bounce.acme.example.com"]  # no second wait on a resolver that is not there
    assert report["ready"] is True  # what SES needs is in place


def test_check_of_a_tenant_without_a_domain_identity_says_how_to_get_one(domains, tenants):
    tenant = create_tenant(tenants)
    report = domains.check(tenant.tenant_id)
    assert report["sender_domain"] is None and report["ready"] is False and report["records"] == []
    assert "--sender-domain" in report["note"]


def test_check_of_an_unknown_tenant_is_not_found(domains):
    with pytest.raises(NotFound):
        domains.check("ten_missing")


def test_a_tenant_created_under_its_own_domain_asks_ses_for_no_address_identity(tenants, faked):
    create_tenant(tenants, sender_email="a@acme.example.com")
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn

    tenants.create(parse(TenantIn, {"name": "Globex", "sender_email": "b@globex.example.com"}), verify_sender=False)
    assert faked.email.verified == ["a@acme.example.com"]

