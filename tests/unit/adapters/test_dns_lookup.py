"""adapters/dns_lookup: TXT answers through dnspython, and offline (no resolver, none answering) as None, never
an error. The resolver is stubbed: no socket is opened."""

from __future__ import annotations

import dns.exception
import dns.resolver
import pytest

from chalicelib.adapters.dns_lookup import DnsPythonTxt

pytestmark = pytest.mark.unit


class Record:
    def __init__(self, *strings: bytes) -> None:
        self.strings = strings


class StubResolver:
    def __init__(self, answer=None, error=None):
        self.answer, self.error, self.asked, self.lifetime = answer, error, [], None

    def resolve(self, name, kind):
        self.asked.append((name, kind))
        if self.error:
            raise self.error
        return self.answer


def test_txt_strings_of_one_record_are_joined():
    stub = StubResolver([Record(b"v=spf1 include:amazonses.com", b" ~all"), Record(b"other")])
    assert DnsPythonTxt(lambda: stub, lifetime=2).txt("bounce.acme.example") == [
        "v=spf1 include:amazonses.com ~all", "other"]
    assert stub.asked == [("bounce.acme.example", "TXT")] and stub.lifetime == 2


@pytest.mark.parametrize("error", [dns.resolver.NXDOMAIN(), dns.resolver.NoAnswer()])
def test_a_name_without_txt_records_answers_empty(error):
    assert DnsPythonTxt(lambda: StubResolver(error=error)).txt("_dmarc.acme.example") == []


@pytest.mark.parametrize("error", [dns.exception.Timeout(), dns.resolver.NoNameservers(), OSError("unreachable")])
def test_no_resolver_answering_is_none(error):
    assert DnsPythonTxt(lambda: StubResolver(error=error)).txt("_dmarc.acme.example") is None


def test_no_resolver_configured_is_none():
    def unconfigured():
        raise dns.resolver.NoResolverConfiguration("no /etc/resolv.conf")

    assert DnsPythonTxt(unconfigured).txt("_dmarc.acme.example") is None
