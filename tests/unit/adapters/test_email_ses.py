"""The SES adapter writes addresses SES and mail servers accept: plain ASCII, the domain in its IDNA (punycode)
form. Only a display name may be an RFC 2047 encoded word, never any part of an address."""

from __future__ import annotations

import email
import re
from email.policy import default
from typing import Any

import pytest

from chalicelib.adapters.email_ses import SesEmail
from chalicelib.domain.errors import PermanentSendError
from chalicelib.domain.messages import RenderedMessage


class RecordingSes:
    """Stands in for the SES v2 client: keeps each request, answers like SES."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def send_email(self, **request: Any) -> dict[str, str]:
        self.requests.append(request)
        return {"MessageId": f"ses-{len(self.requests)}"}


def send(ses: RecordingSes, sender: str = "billing@acme.example.com", sender_name: str = "Café Ñandú, S.L.",
         recipient: str = "ana@example.com") -> str:
    return SesEmail(ses, None).send(sender=sender, sender_name=sender_name, recipient=recipient,
                                    message=RenderedMessage(text="Hola", subject="Su factura"), tags={})


def header_line(raw: bytes, name: str) -> bytes:
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    [line] = [line for line in re.sub(rb"\n[ \t]", b" ", head).split(b"\n") if line.startswith(name.encode() + b":")]
    return line


def test_a_non_ascii_display_name_is_encoded_and_the_address_stays_plain():
    ses = RecordingSes()
    send(ses)
    raw = ses.requests[0]["Content"]["Raw"]["Data"]

    from_line = header_line(raw, "From")
    display_name, address = re.fullmatch(rb"From: (.+) <([^<>]+)>", from_line).groups()
    assert from_line.isascii() and b"=?utf-8?" in display_name  # RFC 2047 words, in the display name only
    assert address == b"billing@acme.example.com"
    assert header_line(raw, "To") == b"To: ana@example.com"
    [sender] = email.message_from_bytes(raw, policy=default)["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Café Ñandú, S.L.", "billing@acme.example.com")


def test_addresses_stored_with_a_unicode_domain_go_out_in_punycode():
    # accounts and tenants written before addresses were kept in ASCII may still hold the Unicode form
    ses = RecordingSes()
    send(ses, sender="rechnung@bücher.de", recipient="ana@exämple.com")
    request = ses.requests[0]
    raw = request["Content"]["Raw"]["Data"]

    assert header_line(raw, "To") == b"To: ana@xn--exmple-cua.com"
    assert header_line(raw, "From").endswith(b" <rechnung@xn--bcher-kva.de>")
    assert (request["FromEmailAddress"], request["Destination"]["ToAddresses"]) == (
        "rechnung@xn--bcher-kva.de", ["ana@xn--exmple-cua.com"])
    assert b"=?" not in header_line(raw, "To")


@pytest.mark.parametrize("recipient", ["josé@example.com", "用户@例子.广告"])
def test_a_non_ascii_local_part_is_a_permanent_failure_and_nothing_is_sent(recipient):
    ses = RecordingSes()
    with pytest.raises(PermanentSendError):
        send(ses, recipient=recipient)
    assert ses.requests == []


def test_a_reply_to_travels_in_the_raw_message_in_ascii_and_none_is_written_without_one():
    ses = RecordingSes()
    SesEmail(ses, None).send(sender="billing@acme.example.com", sender_name="Acme", recipient="ana@example.com",
                             message=RenderedMessage(text="Hola", subject="Su factura"), tags={},
                             reply_to="ayuda@bücher.de")
    send(ses)
    with_reply, without = (request["Content"]["Raw"]["Data"] for request in ses.requests)
    assert header_line(with_reply, "Reply-To") == b"Reply-To: ayuda@xn--bcher-kva.de"
    assert email.message_from_bytes(without, policy=default)["Reply-To"] is None


def test_headers_parsed_once_and_reused_never_leak_from_one_email_into_the_next():
    ses = RecordingSes()
    for recipient, subject in (("ana@example.com", "Su factura"), ("bo@example.com", "Ihre Rechnung über 49 €")):
        SesEmail(ses, None).send(sender="billing@acme.example.com", sender_name="Acme", recipient=recipient,
                                 message=RenderedMessage(text="Hola", subject=subject, html="<p>Hola</p>"), tags={})
    first, second = (email.message_from_bytes(r["Content"]["Raw"]["Data"], policy=default) for r in ses.requests)
    assert (first["To"], first["Subject"]) == ("ana@example.com", "Su factura")
    assert (second["To"], second["Subject"]) == ("bo@example.com", "Ihre Rechnung über 49 €")
    assert first["Message-ID"] != second["Message-ID"]
    assert first.get_boundary() != second.get_boundary()
    assert [part.get_content() for part in second.iter_parts()] == ["Hola\n", "<p>Hola</p>\n"]


def test_a_body_holding_the_boundary_gets_another_boundary(monkeypatch):
    import email.generator

    monkeypatch.setattr(email.generator.random, "randrange", lambda _limit: 17)  # every boundary drawn is this one
    taken = email.generator.Generator._make_boundary()
    ses = RecordingSes()
    SesEmail(ses, None).send(sender="billing@acme.example.com", sender_name="Acme", recipient="ana@example.com",
                             message=RenderedMessage(text=f"--{taken}\nnot a part\n", subject="S", html="<p>x</p>"),
                             tags={})
    sent = email.message_from_bytes(ses.requests[0]["Content"]["Raw"]["Data"], policy=default)
    assert sent.get_boundary() == taken + ".0"
    assert [part.get_content_type() for part in sent.iter_parts()] == ["text/plain", "text/html"]
    assert f"--{taken}\n" in next(sent.iter_parts()).get_content()
