"""A tenant's sender domain on SES (moto): the SES adapter and its fake agree, `kindly tenant create
--sender-domain` sets the domain up and prints its DNS records, `kindly tenant check` reports them, and
`kindly init` asks for no address identity a domain identity already covers."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.aws.conftest import REGION
from tests.fakes import FakeDns, FakeSenderDomains

pytestmark = pytest.mark.aws


@pytest.fixture(params=["fake", "ses"])
def identities(request: pytest.FixtureRequest) -> Any:
    if request.param == "fake":
        return FakeSenderDomains()
    return request.getfixturevalue("aws").sender_domain_identities


def test_set_up_creates_an_easy_dkim_identity_with_its_mail_from_and_is_idempotent(identities):
    assert identities.status("acme.example.com") is None

    first = identities.set_up("acme.example.com", "bounce.acme.example.com")
    again = identities.set_up("acme.example.com", "bounce.acme.example.com")

    assert first.domain == "acme.example.com" and len(first.dkim_tokens) == 3
    assert first.mail_from_domain == "bounce.acme.example.com"
    assert again.dkim_tokens == first.dkim_tokens
    assert identities.status("acme.example.com") == again
    assert identities.status("example.com") is None


def test_the_ses_identity_is_a_domain_with_dkim_and_mail_from(aws):
    aws.sender_domain_identities.set_up("acme.example.com", "bounce.acme.example.com")

    ses = boto3.client("ses", region_name=REGION)
    assert "acme.example.com" in ses.list_identities(IdentityType="Domain")["Identities"]
    dkim = ses.get_identity_dkim_attributes(Identities=["acme.example.com"])["DkimAttributes"]["acme.example.com"]
    assert dkim["DkimEnabled"] is True
    mail_from = ses.get_identity_mail_from_domain_attributes(
        Identities=["acme.example.com"])["MailFromDomainAttributes"]["acme.example.com"]
    assert (mail_from["MailFromDomain"], mail_from["BehaviorOnMXFailure"]) == (
        "bounce.acme.example.com", "UseDefaultValue")


def create(kindly, capsys, *extra: str) -> tuple[int, dict[str, Any], str]:
    code = kindly(["tenant", "create", "--name", "Acme", "--sender-email", "billing@acme.example.com", *extra])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else {}), err


def test_tenant_create_with_a_sender_domain_prints_the_records_and_check_reports_them(aws, kindly, capsys,
                                                                                      monkeypatch):
    from chalicelib.bootstrap import Container

    offline = FakeDns(offline=True)  # the check runs without network, as in CI
    monkeypatch.setattr(Container, "dns", property(lambda _self: offline))

    code, created, _ = create(kindly, capsys, "--sender-domain", "acme.example.com")

    assert code == 0 and set(created) == {"tenant_id", "api_key", "sender_domain"}
    records = created["sender_domain"]["dns_records"]
    assert [r["type"] for r in records] == ["CNAME"] * 3 + ["MX", "TXT", "TXT"]
    assert records[3] == {"purpose": "mail_from_mx", "type": "MX", "name": "bounce.acme.example.com",
                          "value": f"10 feedback-smtp.{REGION}.amazonses.com"}
    assert records[5]["name"] == "_dmarc.acme.example.com" and "v=DMARC1; p=none" in records[5]["value"]
    # No address identity: the domain covers the sender (on AWS it would mail a needless verification link)
    ses = boto3.client("ses", region_name=REGION)
    assert "billing@acme.example.com" not in ses.list_identities()["Identities"]

    code = kindly(["tenant", "check", "--tenant", created["tenant_id"]])
    report = json.loads(capsys.readouterr().out)

    assert code == 0 and report["sender_domain"] == "acme.example.com"  # moto verifies DKIM and MAIL FROM at once
    assert {r["purpose"]: r["status"] for r in report["records"]} == {
        "dkim": "in_place", "mail_from_mx": "in_place", "spf": "not_checked", "dmarc": "not_checked"}


def test_a_sender_domain_the_sender_is_not_under_creates_nothing(aws, kindly, capsys):
    code, _, err = create(kindly, capsys, "--sender-domain", "globex.example.com")

    assert code == 1 and json.loads(err)["error"]["field"] == "sender_domain"
    assert list(aws.models.tenants.scan()) == []
    assert boto3.client("ses", region_name=REGION).list_identities(IdentityType="Domain")["Identities"] == []


def test_check_of_a_tenant_without_its_own_domain_exits_1_and_says_how(aws, kindly, capsys):
    code, created, _ = create(kindly, capsys)
    assert code == 0

    assert kindly(["tenant", "check", "--tenant", created["tenant_id"]]) == 1
    assert "--sender-domain" in json.loads(capsys.readouterr().out)["note"]


def test_init_asks_for_no_address_identity_under_a_tenant_domain(aws, kindly, capsys):
    from chalicelib.adapters.provision import initialise

    create(kindly, capsys, "--sender-domain", "acme.example.com")
    kindly(["tenant", "create", "--name", "Globex", "--sender-email", "ar@globex.example.com"])
    capsys.readouterr()
    ses = boto3.client("ses", region_name=REGION)
    ses.delete_identity(Identity="ar@globex.example.com")

    initialise(aws)

    identities = set(ses.list_identities()["Identities"])
    assert "ar@globex.example.com" in identities  # re-registered: no domain identity covers it
    assert "billing@acme.example.com" not in identities
