"""`kindly local up`: local stand-ins for AWS, the API on `chalice local`, and the sweep on a timer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chalicelib.local.servers import (
    LocalServer,
    local_environment,
    port_is_bindable,
    start_dynamodb_local,
    start_moto,
    tcp_open,
)


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


API_READY_TIMEOUT = 60.0


class StackError(Exception):
    """Something that stops the local stack, said plainly to the person who started it."""


def _refuse_a_second_stack(stack_file: Path, args: Any) -> None:
    from chalicelib.cli import process_alive

    if stack_file.exists():
        stack = json.loads(stack_file.read_text() or "{}")
        pid = int(stack.get("pid", 0))
        if pid != os.getpid() and process_alive(pid):
            raise StackError(f"a local stack is already running (pid {pid}, API {stack.get('api')}): use it, "
                             "or stop it (Ctrl-C in its terminal) before starting another")
    if not args.once and not port_is_bindable("127.0.0.1", args.port):
        raise StackError(f"port {args.port} on 127.0.0.1 is already in use: stop what holds it, or pick another "
                         f"port with --port (make run ARGS=\"--port {args.port + 1}\")")


def _start_api(root: Path, port: int) -> subprocess.Popen[bytes]:
    """`chalice local` for the HTTP routes; returns once it answers, or says why it could not start."""
    api = subprocess.Popen(  # noqa: S603 - our own venv's chalice, fixed arguments
        [str(Path(sys.executable).with_name("chalice")), "local", "--stage", "local",
         "--host", "127.0.0.1", "--port", str(port), "--no-autoreload"],
        cwd=root, env=os.environ.copy(),
    )
    deadline = time.monotonic() + API_READY_TIMEOUT
    while not tcp_open("127.0.0.1", port):
        if api.poll() is not None:
            raise StackError(f"the API (chalice local) exited with code {api.returncode} before listening on "
                             f"port {port}; its own message is above")
        if time.monotonic() > deadline:
            api.kill()
            raise StackError(f"the API (chalice local) did not listen on port {port} within "
                             f"{API_READY_TIMEOUT:.0f} s")
        time.sleep(0.2)
    return api


def _wait(seconds: float, api: subprocess.Popen[bytes] | None) -> None:
    """Sleep until the next sweep, but stop at once if the API dies under us."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if api is not None and api.poll() is not None:
            raise StackError(f"the API (chalice local) stopped unexpectedly (exit code {api.returncode})")
        time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM (a process manager, `timeout`) cleans up exactly like Ctrl-C


def run_local_stack(root: Path, stack_file: Path, args: Any) -> int:
    try:
        _refuse_a_second_stack(stack_file, args)
    except StackError as exc:
        print(f"kindly: {exc}", file=sys.stderr, flush=True)
        return 1
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    return _run(root, stack_file, args)


def _run(root: Path, stack_file: Path, args: Any) -> int:
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
        stack_file.parent.mkdir(parents=True, exist_ok=True)
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
            _say(f"debtor's page    {app.links.portal_url(demo['tenant_id'], 'demo-madrid', app.clock.now())}")
        timer = args.sweep_all_tenants or not args.no_demo
        if not args.once:
            api = _start_api(root, args.port)
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
            _wait(args.sweep_every, api)
    except KeyboardInterrupt:
        _say("\nstopping…")
        return 0
    except StackError as exc:
        print(f"kindly: {exc}", file=sys.stderr, flush=True)
        return 1
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
