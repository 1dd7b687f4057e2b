"""Profile the queue worker: `python -m bench.profile_worker [reminders]` loads that many due accounts on the
local stand-ins, sends their reminders through the worker's batch function under cProfile, and prints where the
time went (and how many new connections were opened). A tool for finding what the worker adds to its calls.

`python -m bench.profile_worker 200 --own` instead answers the floor's calls (the transactions and the sends) in
process, at once, and prints the CPU milliseconds a reminder costs in Kindly's own code, three rounds: a figure the
stand-ins' speed and a busy machine hardly move (the bench's efficiency_vs_floor moves with both)."""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time
from typing import Any

from bench.__main__ import AT, ROOT
from bench.loading import load_accounts


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200
    own = "--own" in sys.argv
    rounds = 3 if own else 1
    from chalicelib.local.dynamodb_local import start_dynamodb_local
    from chalicelib.local.environment import local_environment
    from chalicelib.local.moto_server import start_moto
    from chalicelib.observability import log_to_stderr

    log_to_stderr("WARNING")

    moto = start_moto()
    dynamodb = start_dynamodb_local(ROOT)
    try:
        os.environ.update(local_environment(moto.url, dynamodb.url))
        os.environ.setdefault("KINDLY_STAGE", "local")
        from chalicelib.cli.stage import load_stage

        load_stage("local")
        from urllib3.connectionpool import HTTPConnectionPool

        from chalicelib.adapters.clock import FixedClock
        from chalicelib.adapters.provision import initialise
        from chalicelib.bootstrap import Container
        from chalicelib.config import settings
        from chalicelib.in_process_sweep import BATCH_SIZE, sqs_event
        from chalicelib.inputs.parsing import parse
        from chalicelib.inputs.tenants import TenantIn
        from chalicelib.routes.queues import process_reminder_batch

        app = Container(settings(), clock=FixedClock(AT))
        initialise(app)
        tenant, _key = app.tenants.create(parse(TenantIn, {
            "name": "Profile Co", "sender_email": "billing@bench.example.com",
            "country": "GB", "timezone": "Europe/London", "locale": "en-GB"}))
        due = count * rounds + (BATCH_SIZE if own else 0)  # --own warms the worker on one batch first
        load_accounts(app, tenant.tenant_id, 0, due, due, "profile")
        items = list(app.sweep.due_items(AT, tenant.tenant_id))
        if own:
            return _own_time(app, items, count, rounds)
        _ = app.remind
        app.tenants.get(tenant.tenant_id)
        app.policies.resolve(tenant.tenant_id, "standard")
        app.client("sesv2")  # a warm worker has its clients
        new_connections = 0
        original = HTTPConnectionPool._new_conn

        def counted(pool: HTTPConnectionPool) -> object:
            nonlocal new_connections
            new_connections += 1
            return original(pool)

        HTTPConnectionPool._new_conn = counted  # type: ignore[method-assign]
        profile = cProfile.Profile()
        profile.enable()
        for start in range(0, len(items), BATCH_SIZE):
            process_reminder_batch(sqs_event(items[start:start + BATCH_SIZE]), app)
        profile.disable()
        HTTPConnectionPool._new_conn = original  # type: ignore[method-assign]
        print(f"{len(items)} reminders, {new_connections} new connections", file=sys.stderr)
        stats = pstats.Stats(profile, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        stats.sort_stats("cumulative").print_stats("chalicelib|jinja2|email|pynamodb", 40)
    finally:
        moto.stop()
        dynamodb.stop()
    return 0


def _own_time(app: Any, items: list[Any], count: int, rounds: int) -> int:
    """CPU per reminder with the floor's calls answered in process (every other call still goes to the stand-ins)."""
    from botocore.client import BaseClient

    from bench.floor import is_floor_call
    from chalicelib.in_process_sweep import BATCH_SIZE, sqs_event
    from chalicelib.routes.queues import process_reminder_batch

    process_reminder_batch(sqs_event(items[:BATCH_SIZE]), app)  # warm, as a warm Lambda is
    items = items[BATCH_SIZE:]
    original = BaseClient._make_api_call

    def answered(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if is_floor_call(client.meta.service_model.service_name, operation):
            return {"MessageId": "answered-in-process"} if operation != "TransactWriteItems" else {}
        return original(client, operation, params)

    BaseClient._make_api_call = answered  # type: ignore[method-assign]
    try:
        for number in range(rounds):
            batch, sent = items[number * count:(number + 1) * count], 0
            started = time.process_time()
            for start in range(0, len(batch), BATCH_SIZE):
                _response, outcomes = process_reminder_batch(sqs_event(batch[start:start + BATCH_SIZE]), app)
                sent += sum(1 for outcome in outcomes if outcome.kind == "sent")
            spent = time.process_time() - started
            per = spent / max(sent, 1) * 1000
            print(f"round {number + 1}: {sent} sent, {per:.2f} ms CPU a reminder in Kindly's code")
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]
    return 0


if __name__ == "__main__":
    sys.exit(main())
