"""What the local stack's SES and SNS received, read back from the moto server and its emails parsed."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage
from typing import Any

from chalicelib.local.network import http


def fetch_outbox(moto_url: str) -> dict[str, list[dict[str, Any]]]:
    """What moto's SES and SNS received, oldest first.

    ``{"email": [{"id", "source", "destinations", "subject", "headers", "text", "html", "attachments"}...],
       "sms": [{"id", "phone", "text"}...]}``. Raw sends (SES v1 ``send_raw_email`` and SES v2
    ``send_email(Content={"Raw": ...})``, which is how Kindly sends) are parsed from the MIME
    message; simple sends carry what moto keeps (subject and one body, HTML when there was one).
    """
    data = json.loads(http(f"{moto_url.rstrip('/')}/moto-api/data.json", timeout=10.0))
    ses = data.get("ses") or {}
    sns = data.get("sns") or {}
    emails = [_raw_email(item) for item in ses.get("RawMessage") or []]
    emails += [_simple_email(item) for item in ses.get("Message") or []]
    sms = [
        {"id": item.get("message_id"), "phone": item.get("phone_number"), "text": item.get("message")}
        for item in sns.get("SMS") or []
    ]
    return {"email": emails, "sms": sms}


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))  # moto lists the To: header again after the API's destinations


def _raw_email(item: dict[str, Any]) -> dict[str, Any]:
    raw = item.get("raw_data") or ""
    # moto keeps the raw message as text (decoded as UTF-8); parse it back as bytes so 8bit parts decode right
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
    message = email.message_from_bytes(data, policy=email.policy.default)
    headers: dict[str, str] = {}
    for name, value in message.items():
        headers.setdefault(name, str(value))  # decoded (RFC 2047) by policy.default
    return {
        "id": item.get("id"),
        "source": item.get("source"),
        "destinations": _unique(list(item.get("destinations") or [])),
        "subject": headers.get("Subject", ""),
        "headers": headers,
        "text": _part(message, "plain"),
        "html": _part(message, "html"),
        "attachments": _attachments(message),
    }


def _attachments(message: EmailMessage) -> list[dict[str, Any]]:
    """Each attached file: its name, type and size, and its text when it is text (a plan's .ics)."""
    found = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        found.append({"filename": part.get_filename(), "content_type": part.get_content_type(), "size": len(data),
                      "text": data.decode("utf-8", "replace") if part.get_content_maintype() == "text" else None})
    return found


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    content = part.get_content()  # undoes quoted-printable / base64 and the charset
    return content if isinstance(content, str) else bytes(content).decode("utf-8", "replace")


def _simple_email(item: dict[str, Any]) -> dict[str, Any]:
    body = item.get("body") or ""
    destinations = item.get("destinations") or {}
    if isinstance(destinations, dict):
        flat = [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destinations.get(key) or []]
    else:
        flat = list(destinations)
    looks_html = body.lstrip().startswith("<")
    return {
        "id": item.get("id"),
        "source": item.get("source"),
        "destinations": _unique(flat),
        "subject": item.get("subject") or "",
        "headers": {},
        "text": None if looks_html else body,
        "html": body if looks_html else None,
        "attachments": [],
    }
