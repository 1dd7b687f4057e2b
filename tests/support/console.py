"""Signing in to the finance console in tests: a person, the sign-in form, the link from the email SES received."""

from __future__ import annotations

import email
import re
from typing import Any

from tests.aws.conftest import sent_emails

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def add_user(aws: Any, tenant_id: str, address: str = "fin@acme.example.com", role: str = "admin") -> str:
    return str(aws.console_people.add(tenant_id, address, role, "test").user_id)


def cookie_of(response: Any, name: str) -> str:
    header = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or ""
    match = re.search(rf"{name}=([^;]*)", header)
    assert match, f"no {name} cookie in {header!r}"
    return match.group(1)


def csrf_of(body: bytes | str) -> str:
    text = body.decode() if isinstance(body, bytes) else body
    match = re.search(r'name="csrf" value="([^"]+)"', text)
    assert match, "no CSRF field on the page"
    return match.group(1)


def without_nonces(body: bytes) -> str:
    """The page less what differs on every answer (the CSP nonce, the form's token)."""
    return re.sub(r'(nonce|value)="[A-Za-z0-9_-]{16,}"', r'\1=""', body.decode())


def ask_for_link(client: Any, address: str) -> Any:
    page = client.http.get("/console")
    form_cookie = cookie_of(page, "kindly_console_form")
    return client.http.post("/console", headers={**FORM, "Cookie": f"kindly_console_form={form_cookie}"},
                            body=f"csrf={csrf_of(page.body)}&email={address}")


def links_in_mail() -> list[str]:
    found = []
    for sent in sent_emails():
        raw = sent.raw_data.encode() if isinstance(sent.raw_data, str) else sent.raw_data
        message = email.message_from_bytes(raw)
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                found += re.findall(r"/console/signin/([A-Za-z0-9_-]+)", part.get_payload(decode=True).decode())
    return found


def sign_in(client: Any, aws: Any, address: str) -> dict[str, str]:
    """Ask for a link, follow the one emailed; the session cookie and the page's CSRF token."""
    before = len(links_in_mail())
    assert ask_for_link(client, address).status_code == 200
    token = links_in_mail()[before]
    answer = client.http.get(f"/console/signin/{token}")
    assert answer.status_code == 303
    session = cookie_of(answer, "kindly_console")
    page = client.http.get("/console/settings", headers={"Cookie": f"kindly_console={session}"})
    assert page.status_code == 200, page.body
    return {"cookie": f"kindly_console={session}", "csrf": csrf_of(page.body)}
