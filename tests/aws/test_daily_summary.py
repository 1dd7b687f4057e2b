"""The daily summary email to finance on moto: set with `kindly tenant set --daily-summary-to` (a bad address is
refused and nothing is kept), sent by the scheduled function through SES in the hour before the tenant's first
send window opens, once a local day, only to tenants that asked; counts and a link, no debtor in it."""

from __future__ import annotations

import email
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.aws.conftest import sent_emails
from tests.support.samples import account

pytestmark = pytest.mark.aws

# Madrid is UTC+1 in December; the standard policy's window opens at 09:00 there, so the summary is due 07:00-08:00.
DUE = datetime(2026, 12, 7, 7, 15, tzinfo=UTC)
EVENT = json.loads((Path(__file__).resolve().parents[2] / "events" / "sweep_scheduled.json").read_text())


def auth(tenant: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def summaries() -> list[tuple[list[str], str, str]]:
    """(recipients, subject, text) of each daily summary SES sent."""
    found = []
    for sent in sent_emails():
        raw = sent.raw_data.encode() if isinstance(sent.raw_data, str) else sent.raw_data
        message = email.message_from_bytes(raw)
        if "today's run" not in str(message["Subject"]):
            continue
        text = next(part.get_payload(decode=True).decode() for part in message.walk()
                    if part.get_content_type() == "text/plain")
        found.append((list(sent.destinations), str(message["Subject"]), text))
    return found


def run_at(client: Any, app_clock: Any, instant: datetime) -> Any:
    app_clock(instant)
    return client.lambda_.invoke("daily_summary", EVENT)


@pytest.fixture
def finance_asked(tenant, kindly, capsys):
    code = kindly(["tenant", "set", "--tenant", tenant["tenant_id"], "--daily-summary-to", "Finance@Acme.example.com"])
    out, _ = capsys.readouterr()
    assert code == 0 and json.loads(out)["daily_summary_to"] == "Finance@acme.example.com"


def test_a_bad_address_is_refused_and_nothing_is_kept(aws, tenant, kindly, capsys):
    code = kindly(["tenant", "set", "--tenant", tenant["tenant_id"], "--daily-summary-to", "finance-at-acme"])
    _, err = capsys.readouterr()

    assert code != 0 and "--daily-summary-to" in err
    assert aws.daily_summary.address(tenant["tenant_id"]) is None


def test_a_bad_address_beside_excluded_days_changes_neither(aws, tenant, kindly, capsys):
    code = kindly(["tenant", "set", "--tenant", tenant["tenant_id"], "--excluded-days", "2026-12-24",
                   "--daily-summary-to", "nope"])

    assert code != 0
    assert aws.tenants.get(tenant["tenant_id"]).excluded_days == ()
    assert aws.daily_summary.address(tenant["tenant_id"]) is None


def test_the_summary_goes_once_a_day_before_the_window_opens_with_counts_and_no_debtor(
        aws, client, app_clock, tenant, other_tenant, finance_asked, kindly, capsys):
    app_clock(DUE)
    for n in (1, 2):
        assert client.http.put(f"/v1/accounts/acct-{n}", headers=auth(tenant),
                               body=json.dumps(account())).status_code == 201
    assert client.http.put("/v1/accounts/acct-3", headers=auth(tenant),
                           body=json.dumps(account(email=None))).status_code == 201
    assert client.http.put("/v1/accounts/acct-9", headers=auth(other_tenant),
                           body=json.dumps(account())).status_code == 201

    early = run_at(client, app_clock, datetime(2026, 12, 7, 5, 0, tzinfo=UTC))  # 06:00 in Madrid: not yet
    assert summaries() == [] and early.payload["sent"] == 0

    first = run_at(client, app_clock, DUE)
    again = run_at(client, app_clock, datetime(2026, 12, 7, 7, 45, tzinfo=UTC))

    assert (first.payload["sent"], again.payload["sent"]) == (1, 0)
    [(to, subject, text)] = summaries()  # one email, to the tenant that asked; the other tenant gets none
    assert set(to) == {"Finance@acme.example.com"}
    assert subject.startswith("Acme Ltd: today's run")
    assert "Will be sent: 2 emails" in text
    assert "Held back: 1" in text
    assert "/console/tomorrow" in text
    for personal in ("Ana", "ana@example.com", "+34600123456", "acct-"):
        assert personal not in text and personal not in subject

    next_day = run_at(client, app_clock, datetime(2026, 12, 8, 7, 30, tzinfo=UTC))
    assert next_day.payload["sent"] == 1 and len(summaries()) == 2


def test_it_stops_when_the_setting_is_cleared(aws, client, app_clock, tenant, finance_asked, kindly, capsys):
    assert kindly(["tenant", "set", "--tenant", tenant["tenant_id"], "--daily-summary-to", ""]) == 0
    capsys.readouterr()

    assert run_at(client, app_clock, DUE).payload["sent"] == 0
    assert summaries() == []
