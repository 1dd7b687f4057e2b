"""The sweep's circuit breaker on moto: a run far above the tenant's usual day sends nothing, finance's topic gets one
`sweep_held`, and after a person approves the next sweep sends it. `kindly forecast` shows what is coming."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from chalicelib.in_process_sweep import run_sweep
from tests.aws.conftest import sent_emails
from tests.support.samples import account

pytestmark = pytest.mark.aws

ACCOUNTS = 8


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def sweep(aws, at: str, *, dry_run=False):
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.bootstrap import Container

    instant = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return run_sweep(Container(aws.settings, clock=FixedClock(instant), dry_run=dry_run), instant)


def finance_queue(aws, kindly, capsys, tenant):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName="acme-finance")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert kindly(["finance", "subscribe", "--tenant", tenant["tenant_id"], "--protocol", "sqs",
                   "--endpoint", arn]) == 0
    capsys.readouterr()
    return url


def received(aws, url):
    messages = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def run(kindly, capsys, *args):
    code = kindly(list(args))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else None, err


@pytest.fixture
def overdue(client, tenant, kindly, capsys):
    """ACCOUNTS overdue accounts, and limits that make that many far above this new tenant's usual day."""
    assert run(kindly, capsys, "sweep", "limits", "--tenant", tenant["tenant_id"], "--floor", "5")[0] == 0
    for n in range(ACCOUNTS):
        answer = client.http.put(f"/v1/accounts/acct-{n}", headers=auth(tenant), body=json.dumps(account()))
        assert answer.status_code == 201, answer.body


def test_a_held_run_sends_nothing_tells_finance_once_and_goes_out_when_approved(aws, client, tenant, overdue,
                                                                                 kindly, capsys):
    url = finance_queue(aws, kindly, capsys, tenant)

    first = sweep(aws, "2026-12-01T09:00:00Z")
    second = sweep(aws, "2026-12-01T09:15:00Z")

    assert first["sent"] == 0 and first["evaluated"] == 0 and second["sent"] == 0
    assert [(h["tenant_id"], h["messages"], h["status"]) for h in first["sweep_held"]] == [
        (tenant["tenant_id"], ACCOUNTS, "held")]
    assert sent_emails() == []
    [event] = received(aws, url)
    assert event["type"] == "sweep_held" and event["tenant_id"] == tenant["tenant_id"]
    assert event["messages"] == ACCOUNTS and event["threshold"] == 5 and event["account_id"] is None
    assert "http" not in json.dumps(event) and "Ana" not in json.dumps(event)
    assert received(aws, url) == []  # the second sweep told nobody again

    code, held, _ = run(kindly, capsys, "sweep", "held", "--tenant", tenant["tenant_id"])
    assert code == 0 and [h["status"] for h in held["holds"]] == ["held"]

    approved = client.http.post("/v1/sweeps/held/approve", headers=auth(tenant))
    assert approved.status_code == 200, approved.body
    assert json.loads(approved.body)["history"][-1]["actor"].startswith("api_key:")

    third = sweep(aws, "2026-12-01T09:30:00Z")
    assert third["sent"] == ACCOUNTS and third["sweep_held"] == []
    assert len(sent_emails()) == ACCOUNTS
    code, held, _ = run(kindly, capsys, "sweep", "held", "--tenant", tenant["tenant_id"])
    assert [entry["status"] for entry in held["holds"][0]["history"]] == ["held", "approved", "released"]
    assert client.http.post("/v1/sweeps/held/approve", headers=auth(tenant)).status_code == 404  # nothing held


def test_a_dry_run_reports_the_hold_but_records_and_tells_nothing(aws, tenant, overdue, kindly, capsys):
    url = finance_queue(aws, kindly, capsys, tenant)

    summary = sweep(aws, "2026-12-01T09:00:00Z", dry_run=True)

    assert [h["messages"] for h in summary["sweep_held"]] == [ACCOUNTS]
    assert received(aws, url) == []
    assert aws.breaker.held(tenant["tenant_id"])["holds"] == []


def test_discard_from_the_command_line_closes_the_hold(aws, tenant, overdue, kindly, capsys):
    sweep(aws, "2026-12-01T09:00:00Z")

    code, discarded, _ = run(kindly, capsys, "sweep", "discard", "--tenant", tenant["tenant_id"])

    assert code == 0 and discarded["status"] == "discarded" and discarded["history"][-1]["actor"] == "cli"
    assert run(kindly, capsys, "sweep", "approve", "--tenant", tenant["tenant_id"])[0] == 1  # nothing held now
    assert sent_emails() == []


def test_limits_out_of_range_are_a_usage_error(tenant, kindly, capsys):
    code, _, err = run(kindly, capsys, "sweep", "limits", "--tenant", tenant["tenant_id"], "--multiple", "0.5")
    assert code == 2 and "--multiple" in err


def test_the_forecast_lists_what_goes_out_and_writes_nothing(aws, client, tenant, kindly, capsys):
    put = client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account()))
    assert put.status_code == 201
    before = aws.account_repository.get(tenant["tenant_id"], "acct-1")

    # A week, whatever day and hour the suite runs: the next send may wait for a weekday morning or a holiday.
    code, found, _ = run(kindly, capsys, "forecast", "--tenant", tenant["tenant_id"], "--hours", "168")

    assert code == 0
    assert [(row["account_id"], row["channel"]) for row in found["send"]][:1] == [("acct-1", "email")]
    assert aws.account_repository.get(tenant["tenant_id"], "acct-1") == before
    assert sent_emails() == []
    answer = client.http.get("/v1/forecast?hours=24", headers=auth(tenant))
    assert answer.status_code == 200 and json.loads(answer.body)["tenant_id"] == tenant["tenant_id"]
    assert client.http.get("/v1/forecast?hours=lots", headers=auth(tenant)).status_code == 400
