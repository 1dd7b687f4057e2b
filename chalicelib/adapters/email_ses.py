"""Email through Amazon SES (v2), as a raw MIME message so the unsubscribe headers go out as written (and
attachments, such as a plan's calendar, travel in the same message)."""

from __future__ import annotations

from email.generator import BytesGenerator
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import default
from email.utils import formataddr, make_msgid
from io import BytesIO
from typing import Any

from chalicelib.adapters.aws import error_code, is_throttle
from chalicelib.domain.errors import PermanentSendError, Throttled
from chalicelib.domain.messages import RenderedMessage


def ascii_address(address: str) -> str:
    """The address as it must travel: ASCII, the domain in IDNA form. Intake stores that form; an address
    stored before it did is converted here, since the email package would otherwise write the Unicode domain
    as an RFC 2047 encoded word inside the address, which SES refuses and no server understands."""
    if address.isascii():
        return address
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address, check_deliverability=False, allow_smtputf8=False).ascii_email
    except EmailNotValidError as exc:  # a non-ASCII local part: SES offers no SMTPUTF8
        raise PermanentSendError("address_needs_smtputf8") from exc


_PARSED_KEPT = 512  # header values kept parsed; the same few (Content-Type, From, Subject...) recur in every email


class _ReusedHeaders(HeaderRegistry):
    """The standard header registry, except that each header's class is built once (the stock registry builds a
    new class for every header it parses, or counts) and a header value already parsed is not parsed again: a
    parsed header is immutable, and the same Content-Type, From and Subject lines recur in every email. Together
    they were over half of what writing an email cost."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[str, type] = {}
        self._parsed: dict[tuple[str, str], Any] = {}

    def __call__(self, name: str, value: str) -> Any:
        key = (name, value)
        header = self._parsed.get(key)
        if header is None:
            if len(self._parsed) >= _PARSED_KEPT:
                self._parsed.clear()
            header = self._parsed[key] = super().__call__(name, value)
        return header

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = super().__getitem__(key)
        return built


_POLICY = default.clone(header_factory=_ReusedHeaders())
# Bodies are already encoded in 76-column lines; headers are written unfolded (up to RFC 5322's 998), so
# List-Unsubscribe stays a plain <URL> instead of RFC 2047 encoded words mail providers do not recognise, and a
# long ASCII subject does not fold before its first word.
_WIRE = _POLICY.clone(max_line_length=998)


class _WireGenerator(BytesGenerator):
    """The standard generator for _WIRE, except that a (reused) header is folded once, and a boundary is checked
    against the body with a substring test instead of a regular expression compiled for every boundary."""

    _folded: dict[int, tuple[Any, bytes]] = {}

    def _write_headers(self, msg: Any) -> None:
        for name, value in msg.raw_items():
            kept = self._folded.get(id(value))
            if kept is None or kept[0] is not value:
                if len(self._folded) >= _PARSED_KEPT:
                    self._folded.clear()
                kept = self._folded[id(value)] = (value, self.policy.fold_binary(name, value))
            self._fp.write(kept[1])
        self.write(self._NL)

    @classmethod
    def _make_boundary(cls, text: bytes | None = None) -> str:
        boundary = super()._make_boundary()
        if text is None:
            return boundary
        candidate, counter = boundary, 0
        # Stricter than the stock check (a whole line that is the boundary), so never a boundary it would refuse.
        while b"--" + candidate.encode("ascii") in text:
            candidate, counter = f"{boundary}.{counter}", counter + 1
        return candidate


def _wire_bytes(mime: EmailMessage) -> bytes:
    """mime.as_bytes(policy=_WIRE), written by _WireGenerator."""
    out = BytesIO()
    _WireGenerator(out, mangle_from_=False, policy=_WIRE).flatten(mime, unixfrom=False)
    return out.getvalue()


class SesEmail:
    def __init__(self, client: Any, configuration_set: str | None) -> None:
        self._client = client
        self._configuration_set = configuration_set

    def send(self, *, sender: str, sender_name: str, recipient: str, message: RenderedMessage,
             tags: dict[str, str], reply_to: str | None = None) -> str:
        sender, recipient = ascii_address(sender), ascii_address(recipient)
        mime = EmailMessage(policy=_POLICY)
        mime["From"] = formataddr((sender_name, sender))
        mime["To"] = recipient
        if reply_to:  # a raw message travels as written, so the header itself is what the debtor's mail app reads
            mime["Reply-To"] = ascii_address(reply_to)
        mime["Subject"] = message.subject or ""
        mime["Message-ID"] = make_msgid(domain=Address(addr_spec=sender).domain)
        for name, value in message.headers.items():
            mime[name] = value
        mime.set_content(message.text)
        if message.html:
            mime.add_alternative(message.html, subtype="html")
        for attachment in message.attachments:  # after the alternatives: multipart/mixed around them
            maintype, _, subtype = attachment.content_type.partition("/")
            mime.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
        request: dict[str, Any] = {
            "FromEmailAddress": sender,
            "Destination": {"ToAddresses": [recipient]},
            "Content": {"Raw": {"Data": _wire_bytes(mime)}},
            "EmailTags": [{"Name": k, "Value": v} for k, v in tags.items()],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            return str(self._client.send_email(**request)["MessageId"])
        except Exception as exc:
            if is_throttle(exc):
                raise Throttled("SES is throttling; the message will be retried") from exc
            if error_code(exc) in {"MessageRejected", "MailFromDomainNotVerifiedException", "BadRequestException",
                                   "AccountSuspendedException", "NotFoundException"}:
                raise PermanentSendError(error_code(exc)) from exc
            raise

    def verify_sender(self, address: str) -> None:
        """Register the sender identity (on AWS this starts verification; moto verifies at once)."""
        try:
            self._client.create_email_identity(EmailIdentity=address)
        except Exception as exc:
            if error_code(exc) != "AlreadyExistsException":
                raise
