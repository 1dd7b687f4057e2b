"""What a new user's script does with nothing but API.md, against real local servers (DynamoDB Local for
tables, moto server for SES/SNS/SQS/SSM): init, create a tenant, PUT an overdue account over HTTP
(`chalice local`), sweep at a local 23:00 (nothing, a deferral) and at a local 10:00 (one email),
re-run (nothing twice), unsubscribe, verify the audit chain, and catch tampering."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from chalicelib.local.environment import local_environment
from chalicelib.local.network import free_port
from chalicelib.local.outbox import fetch_outbox
from tests.support.samples import ACCOUNT

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def kindly(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(BIN / "kindly"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"kindly {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - localhost only
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode()


@pytest.fixture(scope="module")
def stack(moto_server, dynamodb_local) -> Iterator[dict[str, Any]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KINDLY_"))}
    env.update(local_environment(moto_server.url, dynamodb_local.url))
    # `chalice local` applies the stage's variables from .chalice/config.json over ours, exactly as a
    # deployed function would see them; so this module uses the local stage's own table names.
    env.update({"KINDLY_STAGE": "local", "KINDLY_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"})
    kindly(env, "init")
    api = subprocess.Popen([str(BIN / "chalice"), "local", "--stage", "local", "--port", str(port), "--no-autoreload"],  # noqa: S603
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if api.poll() is not None:
                raise RuntimeError(api.stderr.read().decode() if api.stderr else "chalice local died") from None
            time.sleep(0.3)
    try:
        yield {"env": env, "api": f"http://127.0.0.1:{port}", "moto": moto_server.url}
    finally:
        api.terminate()
        api.wait(timeout=10)


def madrid_night_and_next_morning() -> tuple[str, str]:
    """23:00 and the next day's 10:00 in Madrid, on a coming working day (the links signed at those instants
    must still be valid when the test clicks them on the real clock)."""
    import holidays

    spain = holidays.country_holidays("ES")
    day = date.today() + timedelta(days=2)
    while day.weekday() > 4 or day in spain:
        day += timedelta(days=1)
    madrid = ZoneInfo("Europe/Madrid")
    night = datetime.combine(day - timedelta(days=1), wall_time(23, 0), madrid)
    morning = datetime.combine(day, wall_time(10, 0), madrid)
    return (night.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            morning.astimezone(UTC).isoformat().replace("+00:00", "Z"))


def emails_to(moto_url: str, address: str) -> list[dict[str, Any]]:
    return [m for m in fetch_outbox(moto_url)["email"] if address in m["destinations"]]


def test_a_script_drives_kindly_from_the_outside(stack):
    env, api, moto = stack["env"], stack["api"], stack["moto"]

    # init is idempotent: a second run changes nothing and succeeds
    assert json.loads(kindly(env, "init").stdout)["tables_created"] == []

    tenant = json.loads(kindly(env, "tenant", "create", "--name", "Acme Servicios", "--sender-email",
                               "cobros@acme.example.com", "--country", "ES", "--timezone", "Europe/Madrid",
                               "--locale", "es-ES").stdout)
    assert tenant["tenant_id"].startswith("ten_") and tenant["api_key"].startswith("kindly_")
    headers = {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}
    recipient = "ana.e2e@example.com"
    night_at, morning_at = madrid_night_and_next_morning()
    # Due two days before that morning, so the +1 day gentle reminder is the step that comes due.
    due = datetime.fromisoformat(morning_at.replace("Z", "+00:00")).date() - timedelta(days=2)
    invoice = {**ACCOUNT["invoices"][0], "issued_on": (due - timedelta(days=14)).isoformat(),
               "due_on": due.isoformat()}
    status, stored = http("PUT", f"{api}/v1/accounts/acct-42",
                          {**ACCOUNT, "email": recipient, "invoices": [invoice]}, headers)
    assert status == 201, stored
    assert stored["balance"] == {"EUR": 4900}

    # At 23:00 in Madrid: nothing is sent, and the timeline says why and until when
    night = json.loads(kindly(env, "sweep", "--at", night_at, "--tenant", tenant["tenant_id"]).stdout)
    assert night["sent"] == 0 and night["deferred"] == 1
    assert emails_to(moto, recipient) == []
    status, timeline = http("GET", f"{api}/v1/accounts/acct-42/timeline", headers=headers)
    deferral = timeline["events"][-1]
    assert deferral["type"] == "message_deferred" and deferral["details"]["rule"] == "quiet_hours"

    # At 10:00 in Madrid the next morning: exactly one email, with one-click unsubscribe and "49,00 €"
    morning = json.loads(kindly(env, "sweep", "--at", morning_at).stdout)
    assert morning["sent"] == 1 and morning["evaluated"] == 1
    [message] = emails_to(moto, recipient)
    assert message["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = message["headers"]["List-Unsubscribe"].strip("<>")
    assert unsubscribe_url.startswith(f"{api}/u/")
    assert "49,00\u00a0€" in message["text"] and "49,00\u00a0€" in message["html"]

    # Re-running at the same instant sends nothing twice
    again = json.loads(kindly(env, "sweep", "--at", morning_at).stdout)
    assert again["sent"] == 0
    assert len(emails_to(moto, recipient)) == 1
    outbox = json.loads(kindly(env, "outbox", "--tenant", tenant["tenant_id"]).stdout)
    assert [m["destinations"] for m in outbox["email"]] == [[recipient]]

    # Another tenant sending from the same address: each tenant's outbox shows only its own messages
    other = json.loads(kindly(env, "tenant", "create", "--name", "Acme Hogar", "--sender-email",
                              "cobros@acme.example.com", "--timezone", "Europe/Madrid").stdout)
    other_headers = {**headers, "Authorization": f"Bearer {other['api_key']}"}
    status, _ = http("PUT", f"{api}/v1/accounts/acct-42", {**ACCOUNT, "email": "luis.e2e@example.com",
                                                           "invoices": [invoice]}, other_headers)
    assert status == 201
    assert json.loads(kindly(env, "sweep", "--at", morning_at, "--tenant", other["tenant_id"]).stdout)["sent"] == 1
    mine = json.loads(kindly(env, "outbox", "--tenant", tenant["tenant_id"]).stdout)
    theirs = json.loads(kindly(env, "outbox", "--tenant", other["tenant_id"]).stdout)
    assert [m["destinations"] for m in mine["email"]] == [[recipient]]
    assert [m["destinations"] for m in theirs["email"]] == [["luis.e2e@example.com"]]

    # One-click unsubscribe, as a mail client does it (RFC 8058)
    status, _page = http("POST", unsubscribe_url, b"List-Unsubscribe=One-Click",
                         {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200
    status, account = http("GET", f"{api}/v1/accounts/acct-42", headers=headers)
    assert account["contact"]["email_suppressed"] == "unsubscribed"

    # The chain verifies, from the command line and over HTTP
    verified = kindly(env, "audit", "verify", "acct-42", "--tenant", tenant["tenant_id"])
    assert json.loads(verified.stdout)["ok"] is True
    status, check = http("GET", f"{api}/v1/accounts/acct-42/audit/verify", headers=headers)
    assert check["ok"] is True and check["first_broken_seq"] is None and check["events"] >= 4
    lines = kindly(env, "timeline", "acct-42", "--tenant", tenant["tenant_id"]).stdout.splitlines()
    assert any("message_sent" in line for line in lines)


def test_audit_verify_finds_a_tampered_event_in_dynamodb_local(stack):
    import boto3

    env, api = stack["env"], stack["api"]
    tenant = json.loads(kindly(env, "tenant", "create", "--name", "Tamper Test", "--sender-email",
                               "ar@tamper.example.com").stdout)
    headers = {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}
    http("PUT", f"{api}/v1/accounts/acct-t", ACCOUNT, headers)
    http("POST", f"{api}/v1/accounts/acct-t/flags", {"flag": "hardship", "active": True}, headers)
    http("POST", f"{api}/v1/accounts/acct-t/flags", {"flag": "hardship", "active": False}, headers)

    table = boto3.resource("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing").Table("kindly-local-audit")
    key = {"account_key": f"{tenant['tenant_id']}#acct-t", "seq": 2}
    table.update_item(Key=key, UpdateExpression="SET actor = :a", ExpressionAttributeValues={":a": "someone-else"})

    result = kindly(env, "audit", "verify", "acct-t", "--tenant", tenant["tenant_id"], check=False)
    assert result.returncode == 1
    assert json.loads(result.stdout)["first_broken_seq"] == 2
    status, check = http("GET", f"{api}/v1/accounts/acct-t/audit/verify", headers=headers)
    assert check == {"ok": False, "first_broken_seq": 2, "events": 3}

    # Deleting the newest event is caught too: the account keeps the head of its chain
    table.update_item(Key=key, UpdateExpression="SET actor = :a",
                      ExpressionAttributeValues={":a": f"api_key:{_key_id(tenant)}"})
    table.delete_item(Key={"account_key": key["account_key"], "seq": 3})
    status, check = http("GET", f"{api}/v1/accounts/acct-t/audit/verify", headers=headers)
    assert check["ok"] is False and check["first_broken_seq"] == 3


def _key_id(tenant: dict[str, str]) -> str:
    """The public id inside a key: kindly_<key_id>_<secret>, where key_id is key_<hex>."""
    return "_".join(tenant["api_key"].split("_")[1:3])
