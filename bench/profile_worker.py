"""Profile the queue worker: `python -m bench.profile_worker [reminders]` loads that many due accounts on the
local stand-ins, sends their reminders through the worker's batch function under cProfile, and prints where the
time went (and how many new connections were opened). A tool for finding what the worker adds to its calls."""

from __future__ import annotations

import cProfile
import os
import pstats
import sys

from bench.__main__ import AT, ROOT
from bench.loading import load_accounts


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
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
        load_accounts(app, tenant.tenant_id, 0, count, count, "profile")
        items = list(app.sweep.due_items(AT, tenant.tenant_id))
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


if __name__ == "__main__":
    sys.exit(main())
