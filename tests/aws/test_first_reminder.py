"""The vertical slice: an overdue account gets one courteous email at a decent local hour, none at an
indecent one, and both outcomes are explained in the audit trail."""

from __future__ import annotations

import email
import json
from datetime import datetime
from email import policy as email_policy

from chalicelib.in_process_sweep import run_sweep
from tests.aws.conftest import sent_emails
from tests.support.samples import account


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def sweep(aws, at: str, tenant_id=None):
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.bootstrap import Container

    instant = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return run_sweep(Container(aws.settings, clock=FixedClock(instant)), instant, tenant_id)


def test_email_sent_at_local_ten_with_unsubscribe_headers_and_local_amount(client, aws, tenant):
    # Given an overdue account in Madrid (invoice due 15 Nov; +1 step due 16 Nov)
    put = client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account()))
    assert put.status_code == 201, put.body

    # When the sweep runs at 10:00 local on 1 Dec (09:00Z)
    summary = sweep(aws, "2026-12-01T09:00:00Z")

    # Then exactly one email went out, with the unsubscribe headers and the amount in Spanish format
    assert summary["sent"] == 1 and summary["evaluated"] == 1
    messages = sent_emails()
    assert len(messages) == 1
    raw = messages[0].raw_data.encode() if isinstance(messages[0].raw_data, str) else messages[0].raw_data
    mime = email.message_from_bytes(raw, policy=email_policy.default)
    assert mime["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/u/")
    # As mailbox providers read it: a plain <URL> on one line, never folded into RFC 2047 encoded words
    header_lines = raw.split(b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n", 1)[0].splitlines()
    assert any(line.startswith(b"List-Unsubscribe: <http://127.0.0.1:8000/u/") and line.endswith(b">")
               for line in header_lines)
    assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mime.get_body(preferencelist=("plain",)).get_content()
    assert "49,00\xa0€" in text
    assert mime["To"] == "ana@example.com"

    # And re-running at the same instant sends nothing twice
    again = sweep(aws, "2026-12-01T09:00:00Z")
    assert again["sent"] == 0
    assert len(sent_emails()) == 1

    timeline = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"]
    assert [e["type"] for e in timeline] == ["account_created", "steps_skipped", "message_sent"]
    verify = json.loads(client.http.get("/v1/accounts/acct-1/audit/verify", headers=auth(tenant)).body)
    assert verify == {"ok": True, "first_broken_seq": None, "events": 3}


def test_nothing_sent_at_local_eleven_at_night_and_deferral_recorded(client, aws, tenant):
    client.http.put("/v1/accounts/acct-2", headers=auth(tenant), body=json.dumps(account()))

    summary = sweep(aws, "2026-12-01T22:00:00Z")  # 23:00 in Madrid

    assert summary["sent"] == 0 and summary["deferred"] == 1
    assert sent_emails() == []
    events = json.loads(client.http.get("/v1/accounts/acct-2/timeline", headers=auth(tenant)).body)["events"]
    deferral = events[-1]
    assert deferral["type"] == "message_deferred"
    assert deferral["details"]["rule"] == "quiet_hours"
    assert deferral["details"]["local_until"].startswith("2026-12-02T09:00:00+01:00")
    stored = json.loads(client.http.get("/v1/accounts/acct-2", headers=auth(tenant)).body)
    assert stored["next_action_at"] == "2026-12-02T08:00:00Z"


def test_a_branded_tenant_writes_under_its_brand_and_names_its_legal_entity(client, aws):
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn

    created, key = aws.tenants.create(parse(TenantIn, {
        "name": "Acme Holdings Ltd", "display_name": "Acme Cloud", "sender_email": "billing@acme.example.com",
        "country": "ES", "timezone": "Europe/Madrid", "locale": "es-ES"}))
    put = client.http.put("/v1/accounts/acct-b", headers=auth({"api_key": key}), body=json.dumps(account()))
    assert put.status_code == 201, put.body

    assert sweep(aws, "2026-12-01T09:00:00Z", created.tenant_id)["sent"] == 1

    raw = sent_emails()[0].raw_data
    mime = email.message_from_bytes(raw.encode() if isinstance(raw, str) else raw, policy=email_policy.default)
    assert mime["From"].addresses[0].display_name == "Acme Cloud"  # the name the debtor knows
    text = mime.get_body(preferencelist=("plain",)).get_content()
    assert "Acme Cloud es un nombre comercial de Acme Holdings Ltd." in text  # and who is really writing
