"""Confirmations of the same plan racing from the debtor's page (a double tap, two tabs) create one plan,
against DynamoDB Local, whose conditional writes are what keeps the second one out."""

from __future__ import annotations

import html
import json
import re
import threading
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from tests.integration.conftest import dynamodb_local, moto_server, repo_root  # noqa: F401 - shared fixtures
from tests.integration.test_script_end_to_end import (
    emails_to,
    http,
    kindly,
    madrid_night_and_next_morning,
    stack,  # noqa: F401 - the running API, a fixture
)
from tests.support.samples import ACCOUNT

pytestmark = pytest.mark.integration
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_racing_confirmations_of_one_plan_create_one_plan(stack):  # noqa: F811 - the fixture imported above
    env, api, moto = stack["env"], stack["api"], stack["moto"]
    tenant = json.loads(kindly(env, "tenant", "create", "--name", "Acme Carrera", "--sender-email",
                               "cobros@acme-carrera.example.com", "--country", "ES", "--locale", "es-ES").stdout)
    headers = {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}
    _night, morning_at = madrid_night_and_next_morning()
    due = datetime.fromisoformat(morning_at.replace("Z", "+00:00")).date() - timedelta(days=2)
    recipient = f"ana.{uuid.uuid4().hex[:8]}@example.com"
    invoice = {**ACCOUNT["invoices"][0], "issued_on": (due - timedelta(days=14)).isoformat(),
               "due_on": due.isoformat()}
    assert http("PUT", f"{api}/v1/accounts/acct-race", {**ACCOUNT, "email": recipient, "invoices": [invoice]},
                headers)[0] == 201
    assert json.loads(kindly(env, "sweep", "--at", morning_at, "--tenant", tenant["tenant_id"]).stdout)["sent"] == 1
    [message] = emails_to(moto, recipient)
    link = re.search(rf'href="({re.escape(api)}/p/[^"]+)"', message["html"]).group(1)

    first_on = datetime.now(ZoneInfo("Europe/Madrid")).date() + timedelta(days=1)
    status, page = http("POST", link + "/plan", urlencode({"frequency": "monthly", "instalments": "2",
                                                           "first_on": first_on.isoformat()}).encode(), FORM)
    assert status == 200, page
    fields = {name: html.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page)}

    # When six confirmations of that plan arrive together
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def confirm() -> None:
        barrier.wait()
        statuses.append(http("POST", link + "/plan/confirm", urlencode(fields).encode(), FORM)[0])

    threads = [threading.Thread(target=confirm) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # Then each sees the page (none an error), and the account has one plan, created once
    assert statuses == [200] * 6
    _, account = http("GET", f"{api}/v1/accounts/acct-race", headers=headers)
    assert account["plan"]["status"] == "active" and account["plan"]["created_by"] == "debtor"
    _, timeline = http("GET", f"{api}/v1/accounts/acct-race/timeline", headers=headers)
    assert [e["type"] for e in timeline["events"]].count("plan_created") == 1
