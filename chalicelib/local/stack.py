"""`kindly local up`: local stand-ins for AWS, the API on `chalice local`, and the sweep on a timer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from chalicelib.local.dynamodb_local import start_dynamodb_local
from chalicelib.local.environment import local_environment
from chalicelib.local.local_server import LocalServer
from chalicelib.local.moto_server import start_moto
from chalicelib.local.network import port_is_bindable, tcp_open
from chalicelib.local.stack_file import running_stack, write_stack_file
from chalicelib.local.timer_sweep import say, sweep_and_tell

API_READY_TIMEOUT = 60.0


class StackError(Exception):
    """Something that stops the local stack, said plainly to the person who started it."""


def _refuse_a_second_stack(stack_file: Path, args: Any) -> None:
    stack = running_stack(stack_file)
    if stack is not None:
        pid = int(stack["pid"])
        if pid != os.getpid():
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
        cwd=root,  # and this process's environment, which points it at the stand-ins
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


def _use_local_stage() -> None:
    from chalicelib.bootstrap import reset
    from chalicelib.config import apply_stage

    apply_stage("local")
    reset()


def _run(root: Path, stack_file: Path, args: Any) -> int:
    servers: list[LocalServer] = []
    api: subprocess.Popen[bytes] | None = None
    stream_stop: Any = None
    try:
        moto = start_moto()
        servers.append(moto)
        dynamodb = start_dynamodb_local(root) if args.dynamodb_local else None
        if dynamodb:
            servers.append(dynamodb)
        environment = {**local_environment(moto.url, dynamodb.url if dynamodb else None),
                       "KINDLY_PUBLIC_BASE_URL": f"http://127.0.0.1:{args.port}"}
        os.environ.update(environment)  # for this process's clients and for the API's child process
        _use_local_stage()
        write_stack_file(stack_file, environment, f"http://127.0.0.1:{args.port}")
        say(f"moto server      {moto.url}")
        say(f"DynamoDB         {dynamodb.url + ' (DynamoDB Local)' if dynamodb else moto.url + ' (moto)'}")

        from chalicelib.adapters.provision import initialise
        from chalicelib.bootstrap import Container
        from chalicelib.config import settings

        def app_factory() -> Container:
            return Container(settings())

        app = app_factory()
        init = initialise(app)
        say(f"initialised      {len(init['tables'])} tables, queue, topics, SES configuration set, link secret")
        swept: str | None = None  # which tenant the timer sweeps; None with --sweep-all-tenants
        if not args.no_demo:
            from chalicelib.local.demo import load_demo

            demo = load_demo(app, app.clock.now().date())
            swept = demo["tenant_id"]
            say(f"demo tenant      {demo['tenant_id']} with {demo['accounts']} accounts")
            say(f"demo API key     {demo['api_key']}")
            say(f"try              curl -H 'Authorization: Bearer {demo['api_key']}' "
                f"http://127.0.0.1:{args.port}/v1/accounts/demo-madrid")
            say(f"debtor's page    {app.links.portal_url(demo['tenant_id'], 'demo-madrid', app.clock.now())}")
            say(f"finance console  http://127.0.0.1:{args.port}/console — sign in as {demo['console_email']}; "
                "the link arrives in the local outbox (kindly outbox)")
        timer = args.sweep_all_tenants or not args.no_demo
        if not args.once:  # --once stops everything after one sweep: nobody is left to ask for figures
            from chalicelib.local.figures_poller import FiguresPoller, poll_in_background

            FiguresPoller(app).drain()  # the demo's accounts are in the figures before anyone asks
            stream_stop = poll_in_background(app_factory())
            say("figures stream   polled every second (the accounts table's stream → /v1/metrics)")
        if not args.once:
            api = _start_api(root, args.port)
            say(f"API              http://127.0.0.1:{args.port} (chalice local)")
            # Your own tenants are left to `kindly sweep --at`, so a script's results never race the timer.
            scope = "every tenant" if args.sweep_all_tenants else "the demo tenant (--sweep-all-tenants for all)"
            say(f"sweeping {scope} every {args.sweep_every}s" if timer else
                "no timer sweep without the demo (add --sweep-all-tenants); use `kindly sweep --at`")
            say("`kindly outbox` shows what SES and SNS received; Ctrl-C stops everything")
        while True:
            if timer:
                sweep_and_tell(app_factory, None if args.sweep_all_tenants else swept)
            if args.once:
                return 0
            _wait(args.sweep_every, api)
    except KeyboardInterrupt:
        say("\nstopping…")
        return 0
    except StackError as exc:
        print(f"kindly: {exc}", file=sys.stderr, flush=True)
        return 1
    finally:
        if stream_stop is not None:
            stream_stop.set()
        if api is not None:
            api.terminate()
            try:
                api.wait(timeout=10)
            except subprocess.TimeoutExpired:
                api.kill()
        for server in reversed(servers):
            server.stop()
        stack_file.unlink(missing_ok=True)
