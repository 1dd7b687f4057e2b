"""domain/deliverability: the DNS records a tenant must publish for its sender domain, which are in place, and
the bounce and complaint rates."""

from __future__ import annotations

import pytest

from chalicelib.domain.deliverability import (
    FAILED,
    IN_PLACE,
    MISSING,
    NOT_CHECKED,
    PENDING,
    SenderDomain,
    covers,
    dns_records,
    normalise_domain,
    rates,
    record_status,
)

TOKENS = ("tok1", "tok2", "tok3")


def identity(dkim="Success", mail_from="bounce.acme.example", mail_from_status="Success"):
    return SenderDomain("acme.example", TOKENS, dkim, mail_from, mail_from_status)


def test_the_records_are_three_dkim_cnames_the_mail_from_mx_and_spf_and_a_dmarc_suggestion():
    records = [r.to_dict() for r in dns_records(identity(), "eu-west-1")]

    assert records == [
        {"purpose": "dkim", "type": "CNAME", "name": "tok1._domainkey.acme.example",
         "value": "tok1.dkim.amazonses.com"},
        {"purpose": "dkim", "type": "CNAME", "name": "tok2._domainkey.acme.example",
         "value": "tok2.dkim.amazonses.com"},
        {"purpose": "dkim", "type": "CNAME", "name": "tok3._domainkey.acme.example",
         "value": "tok3.dkim.amazonses.com"},
        {"purpose": "mail_from_mx", "type": "MX", "name": "bounce.acme.example",
         "value": "10 feedback-smtp.eu-west-1.amazonses.com"},
        {"purpose": "spf", "type": "TXT", "name": "bounce.acme.example",
         "value": '"v=spf1 include:amazonses.com ~all"'},
        {"purpose": "dmarc", "type": "TXT", "name": "_dmarc.acme.example",
         "value": '"v=DMARC1; p=none; rua=mailto:dmarc-reports@acme.example"'},
    ]


@pytest.mark.parametrize(("ses", "expected"), [("Success", IN_PLACE), ("Pending", PENDING),
                                               ("TemporaryFailure", PENDING), ("Failed", FAILED)])
def test_dkim_and_mail_from_are_as_ses_last_saw_them(ses, expected):
    seen = identity(dkim=ses, mail_from_status=ses)
    dkim, _, _, mx, _, _ = dns_records(seen, "eu-west-1")
    assert record_status(dkim, seen, None) == expected
    assert record_status(mx, seen, None) == expected


def test_a_domain_without_a_custom_mail_from_is_missing_it():
    seen = identity(mail_from=None, mail_from_status=None)
    mx = dns_records(seen, "us-east-1")[3]
    assert mx.name == "bounce.acme.example"  # still the record to publish
    assert record_status(mx, seen, None) == MISSING


@pytest.mark.parametrize(("purpose", "txt", "expected"), [
    ("spf", ["v=spf1 include:amazonses.com ~all"], IN_PLACE),
    ("spf", ["v=spf1 include:_spf.google.com ~all"], MISSING),
    ("spf", ["v=spf1 include:amazonses.com ~all", "v=spf1 -all"], MISSING),  # two SPF records are a permerror
    ("spf", [], MISSING),
    ("dmarc", ["v=DMARC1; p=quarantine"], IN_PLACE),
    ("dmarc", ["google-site-verification=abc"], MISSING),
    ("dmarc", None, NOT_CHECKED),
    ("spf", None, NOT_CHECKED),
])
def test_spf_and_dmarc_are_read_from_dns_when_a_resolver_answers(purpose, txt, expected):
    seen = identity()
    (record,) = [r for r in dns_records(seen, "us-east-1") if r.purpose == purpose]
    assert record_status(record, seen, txt) == expected


@pytest.mark.parametrize(("text", "domain"), [("Acme.Example.", "acme.example"), ("bücher.de", "xn--bcher-kva.de")])
def test_domains_are_kept_lower_case_ascii(text, domain):
    assert normalise_domain(text) == domain


@pytest.mark.parametrize("text", ["localhost", "acme..example", "-acme.example", "acme.example/x", "a b.com", ""])
def test_what_is_not_a_domain_is_refused(text):
    with pytest.raises(ValueError, match="domain"):
        normalise_domain(text)


def test_a_domain_covers_its_own_addresses_and_its_subdomains_but_no_other():
    assert covers("acme.example", "billing@acme.example")
    assert covers("acme.example", "billing@mail.acme.example")
    assert not covers("acme.example", "billing@notacme.example")
    assert not covers("mail.acme.example", "billing@acme.example")


def test_rates_are_fractions_of_the_emails_sent():
    assert rates(2000, 50, 1) == {"bounce_rate": 0.025, "complaint_rate": 0.0005}
    assert rates(0, 0, 0) == {"bounce_rate": 0.0, "complaint_rate": 0.0}
