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


def test_a_batch_the_stream_gives_up_on_is_dropped_then_replayed(local_env, monkeypatch, capsys):  # noqa: F811
    """As on AWS: after the event source's retries the batch goes to the figures-dropped queue (here the local
    poller stands for Lambda), and `kindly metrics replay` reads it again from DynamoDB Local's stream."""
    import argparse

    from chalicelib import bootstrap
    from chalicelib.adapters import aws
    from chalicelib.adapters.dynamodb.figures import DynamoFigureStore
    from chalicelib.adapters.provision import initialise
    from chalicelib.cli.commands.metrics import cmd_metrics_replay
    from chalicelib.config import apply_stage
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn
    from chalicelib.local.figures_poller import MAX_RETRIES, FiguresPoller

    apply_stage("local")
    aws.client.cache_clear()
    bootstrap.reset()
    kindly = bootstrap.container()
    initialise(kindly)
    sqs = kindly.client("sqs")
    queue = sqs.get_queue_url(QueueName=kindly.settings.figures_dropped_queue)["QueueUrl"]
    sqs.purge_queue(QueueUrl=queue)
    tenant, _key = kindly.tenants.create(parse(TenantIn, {"name": f"Acme {uuid.uuid4().hex[:6]}",
                                                          "sender_email": "billing@acme.example.com"}))
    poller = FiguresPoller(kindly)
    poller.drain()  # what earlier tests of the session left in the stream

    # Given two account changes whose figures cannot be written, attempt after attempt
    for n in range(2):
        kindly.accounts.upsert(tenant.tenant_id, f"acct-{n}", account(email=f"debtor{n}@example.com"), "test")

    def throttled(*args: Any) -> bool:
        raise RuntimeError("throttled")

    with monkeypatch.context() as failing:
        failing.setattr(DynamoFigureStore, "move", throttled)
        for _ in range(MAX_RETRIES + 1):
            poller.poll()

    # Then the batch was given up on: a record of it is in the queue, the stream moved on, nothing was counted
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert poller.poll() == 0
    assert kindly.figures.figures(tenant.tenant_id)["accounts"]["total"] == 0

    # When the operator replays it
    capsys.readouterr()  # the failed attempts' log lines
    assert cmd_metrics_replay(argparse.Namespace()) == 0

    # Then both changes are counted, once
    assert json.loads(capsys.readouterr().out)["replayed"] == 1
    assert kindly.figures.figures(tenant.tenant_id)["accounts"] == {"total": 2, "by_state": {"active": 2}}
    assert cmd_metrics_replay(argparse.Namespace()) == 0 and json.loads(capsys.readouterr().out)["replayed"] == 0
    bootstrap.reset()


def test_a_rebuild_while_accounts_change_and_the_stream_flows_counts_every_change_once(local_env):  # noqa: F811
    """`kindly metrics rebuild` on DynamoDB Local, with another thread changing accounts and polling the stream the
    whole time, as on a busy day: when the writes stop and the stream catches up, the figures are the sum over
    every account, each change counted once whether the stream or the rebuild got to it first."""
    import threading

    from chalicelib import bootstrap
    from chalicelib.adapters import aws
    from chalicelib.adapters.provision import initialise
    from chalicelib.config import apply_stage
    from chalicelib.domain.counted import WRITES, standing
    from chalicelib.domain.figures import TOTAL_ITEM, contribution, sum_counters
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn
    from chalicelib.local.figures_poller import FiguresPoller
    from tests.support.samples import ACCOUNT

    apply_stage("local")
    aws.client.cache_clear()
    bootstrap.reset()
    kindly = bootstrap.container()
    initialise(kindly)
    tenant, _key = kindly.tenants.create(parse(TenantIn, {"name": f"Acme {uuid.uuid4().hex[:6]}",
                                                          "sender_email": "billing@acme.example.com"}))
    poller = FiguresPoller(kindly)
    poller.drain()  # what earlier tests of the session left in the stream

    def write(n: int, amount: int) -> None:
        invoices = [{**ACCOUNT["invoices"][0], "amount": amount}]
        kindly.accounts.upsert(tenant.tenant_id, f"acct-{n % 30:02d}",
                               account(email=f"debtor{n % 30}@example.com", invoices=invoices), "test")

    for n in range(30):
        write(n, 4900)
    # none of it streamed yet: the rebuild finds every account uncounted, while the stream counts them too
    stop, written = threading.Event(), []

    def busy_day() -> None:
        n = 0
        while not stop.is_set() or n < 60:
            write(n, 5000 + n)
            written.append(n)
            if n % 4 == 0:
                poller.poll()
            n += 1

    other = threading.Thread(target=busy_day)
    other.start()
    try:
        rebuilt = kindly.figure_stream.rebuild(tenant.tenant_id)
    finally:
        stop.set()
        other.join()
    poller.drain()

    every_account = list(kindly.account_repository.all_of(tenant.tenant_id))
    expected = standing(sum_counters(contribution(one) for one in every_account))[TOTAL_ITEM]
    total = {name: n for name, n in kindly.figure_store.item(tenant.tenant_id, TOTAL_ITEM).items()
             if n and name != WRITES}
    assert len(every_account) == 30 and len(written) >= 60
    assert rebuilt.accounts_read == 30 and rebuilt.accounts_corrected > 0
    assert total == expected
    assert total["outstanding:EUR"] == sum(one.invoices[0].amount for one in every_account)
