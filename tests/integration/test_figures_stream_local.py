"""The figures' stream on DynamoDB Local, as `make run` has it: accounts written through the API, the stream
polled (local/figures_poller.py) into the figures table, and GET /v1/metrics answering from it."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.integration.conftest import dynamodb_local, local_env, moto_server, repo_root  # noqa: F401
from tests.support.samples import account

pytestmark = pytest.mark.integration


def test_accounts_written_flow_through_the_stream_into_the_metrics(local_env):  # noqa: F811 - a fixture
    from chalice.test import Client

    from app import app
    from chalicelib import bootstrap
    from chalicelib.adapters import aws
    from chalicelib.adapters.provision import initialise
    from chalicelib.config import apply_stage, settings
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn
    from chalicelib.local.figures_poller import FiguresPoller

    apply_stage("local")
    aws.client.cache_clear()
    bootstrap.reset()
    kindly = bootstrap.container()
    initialise(kindly)
    assert kindly.client("dynamodb").describe_table(
        TableName=settings().accounts_table)["Table"]["StreamSpecification"]["StreamEnabled"]
    tenant, key = kindly.tenants.create(parse(TenantIn, {"name": f"Acme {uuid.uuid4().hex[:6]}",
                                                         "sender_email": "billing@acme.example.com"}))
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    poller = FiguresPoller(kindly)
    poller.drain()  # what earlier tests of the session left in the stream

    with Client(app, stage_name="local") as client:
        for n in range(3):
            body = json.dumps(account(email=f"debtor{n}@example.com"))
            assert client.http.put(f"/v1/accounts/acct-{n}", headers=headers, body=body).status_code == 201
        before: dict[str, Any] = json.loads(client.http.get("/v1/metrics", headers=headers).body)

        assert poller.drain() >= 3

        after: dict[str, Any] = json.loads(client.http.get("/v1/metrics", headers=headers).body)
        assert poller.drain() == 0  # nothing new: the poller read everything once

    assert before["accounts"]["total"] == 0  # nothing is counted until the stream flows
    assert after["accounts"] == {"total": 3, "by_state": {"active": 3}}
    assert after["outstanding"] == {"EUR": 3 * 4900}
    bootstrap.reset()
