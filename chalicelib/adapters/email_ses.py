"""Email through Amazon SES (v2), as a raw MIME message so the unsubscribe headers go out as written (and
attachments, such as a plan's calendar, travel in the same message)."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
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


class SesEmail:
    def __init__(self, client: Any, configuration_set: str | None) -> None:
        self._client = client
        self._configuration_set = configuration_set

    def send(self, *, sender: str, sender_name: str, recipient: str, message: RenderedMessage,
             tags: dict[str, str], reply_to: str | None = None) -> str:
        sender, recipient = ascii_address(sender), ascii_address(recipient)
        mime = EmailMessage()
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
            # Bodies are already encoded in 76-column lines; headers are written unfolded (up to RFC 5322's
            # 998), so List-Unsubscribe stays a plain <URL> instead of RFC 2047 encoded words mail providers
            # do not recognise, and a long ASCII subject does not fold before its first word.
            "Content": {"Raw": {"Data": mime.as_bytes(policy=mime.policy.clone(max_line_length=998))}},
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
