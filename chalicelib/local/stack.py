"""`kindly local up`: local stand-ins for AWS, the API on `chalice local`, and the sweep on a timer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.local.servers import LocalServer, local_environment, start_dynamodb_local, start_moto


def _say(text: str) -> None:
    print(text, flush=True)


def _describe(app: Any, item: dict[str, str], outcome: Any) -> str:
    from chalicelib.domain.schedule import recipient_zones, zone

    account = app.account_repository.get(item["tenant_id"], item["account_id"])
    where = recipient_zones(account)[0] if account else "?"
    local = datetime.now(UTC).astimezone(zone(where)).strftime("%a %H:%M") if account else "?"
    what = f"{outcome.channel or '':<5} {outcome.template or '':<18}"
    line = f"{outcome.kind:<9} {what} {item['account_id']:<17} local {local} {where}"
    if outcome.kind == "deferred" and outcome.until:
        until = outcome.until.astimezone(zone(where)).strftime("%a %d %b %H:%M")
        return f"{line}  — {outcome.reason}, waits until {until} local"
    if outcome.reason:
        return f"{line}  — {outcome.reason}"
    return line


def _sweep_once(app_factory: Any, tenant_id: str | None) -> None:
    from chalicelib.cli import run_sweep

    app = app_factory()
    now = app.clock.now()
    stamp = now.strftime("%H:%M:%S")
    summary = run_sweep(app, now, tenant_id,
                        on_outcome=lambda item, outcome: _say(f"{stamp} {_describe(app, item, outcome)}"))
    counts = {k: summary[k] for k in ("evaluated", "sent", "deferred", "withheld", "errors")}
    _say(f"{stamp} sweep done: {json.dumps(counts)}")


def run_local_stack(root: Path, stack_file: Path, args: Any) -> int:
    from chalicelib import cli

    servers: list[LocalServer] = []
    api: subprocess.Popen[bytes] | None = None
    try:
        moto = start_moto()
        servers.append(moto)
        dynamodb = start_dynamodb_local(root) if args.dynamodb_local else None
        if dynamodb:
            servers.append(dynamodb)
        environment = {**local_environment(moto.url, dynamodb.url if dynamodb else None),
                       "KINDLY_PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}"}
        os.environ.update(environment)
        cli.load_stage("local")
        stack_file.parent.mkdir(exist_ok=True)
        stack_file.write_text(json.dumps({"pid": os.getpid(), "environment": environment,
                                          "api": f"http://127.0.0.1:{args.port}"}, indent=2))
        _say(f"moto server      {moto.url}")
        _say(f"DynamoDB         {dynamodb.url + ' (DynamoDB Local)' if dynamodb else moto.url + ' (moto)'}")

        from chalicelib.adapters.provision import initialise
        from chalicelib.bootstrap import Container
        from chalicelib.config import settings

        def app_factory() -> Container:
            return Container(settings())

        app = app_factory()
        init = initialise(app)
        _say(f"initialised      {len(init['tables'])} tables, queue, topics, SES configuration set, link secret")
        swept: str | None = None  # which tenant the timer sweeps; None with --sweep-all-tenants
        if not args.no_demo:
            from chalicelib.local.demo import load_demo

            demo = load_demo(app, app.clock.now().date())
            swept = demo["tenant_id"]
            _say(f"demo tenant      {demo['tenant_id']} with {demo['accounts']} accounts")
            _say(f"demo API key     {demo['api_key']}")
            _say(f"try              curl -H 'Authorization: Bearer {demo['api_key']}' "
                 f"http://127.0.0.1:{args.port}/v1/accounts/demo-madrid")
        timer = args.sweep_all_tenants or not args.no_demo
        if not args.once:
            api = subprocess.Popen(  # noqa: S603 - our own venv's chalice, fixed arguments
                [str(Path(sys.executable).with_name("chalice")), "local", "--stage", "local",
                 "--host", "127.0.0.1", "--port", str(args.port), "--no-autoreload"],
                cwd=root, env=os.environ.copy(),
            )
            _say(f"API              http://127.0.0.1:{args.port} (chalice local)")
            # Your own tenants are left to `kindly sweep --at`, so a script's results never race the timer.
            scope = "every tenant" if args.sweep_all_tenants else "the demo tenant (--sweep-all-tenants for all)"
            _say(f"sweeping {scope} every {args.sweep_every}s" if timer else
                 "no timer sweep without the demo (add --sweep-all-tenants); use `kindly sweep --at`")
            _say("`kindly outbox` shows what SES and SNS received; Ctrl-C stops everything")
        while True:
            if timer:
                _sweep_once(app_factory, None if args.sweep_all_tenants else swept)
            if args.once:
                return 0
            time.sleep(args.sweep_every)
    except KeyboardInterrupt:
        _say("\nstopping…")
        return 0
    finally:
        if api is not None:
            api.terminate()
            try:
                api.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api.kill()
        for server in reversed(servers):
            server.stop()
        stack_file.unlink(missing_ok=True)
