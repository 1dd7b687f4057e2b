"""What the walkthrough scripts share: printing and checking, the API and the `kindly` command, one account's
side of a walk (the worker's clock, the timeline read so far), and the command line around a walkthrough.

Only the Python standard library, like the scripts: they are run as `python scripts/walkthrough_*.py`, so this
module is imported from the scripts' own folder.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

Events = list[dict[str, Any]]


class Failed(Exception):
    """An expectation the walkthrough checks did not hold."""


def expect(condition: object, what: str) -> None:
    if not condition:
        raise Failed(what)
    print(f"  ok    {what}")


def say(text: str) -> None:
    print(f"  {text}", flush=True)


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def of_type(events: Events, kind: str, **details: Any) -> Events:
    """The events of one type whose details hold every `name=value` given."""
    return [e for e in events if e["type"] == kind
            and all((e.get("details") or {}).get(k) == v for k, v in details.items())]


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Answer a redirect as it came (the page's 303 after a form), rather than following it."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_KeepRedirects)


class Kindly:
    """The HTTP API (API.md) with one tenant's key, and the `kindly` command."""

    def __init__(self, api: str, command: str) -> None:
        self.api = api.rstrip("/")
        self.command = command
        self.key = ""
        self.tenant = ""

    def cli(self, *args: str) -> Any:
        result = subprocess.run([self.command, *args], capture_output=True, text=True, timeout=120)  # noqa: S603
        if result.returncode != 0:
            raise Failed(f"`kindly {' '.join(args)}` exited {result.returncode}: {result.stderr.strip()}")
        return json.loads(result.stdout)

    def http(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             raw: bytes | None = None) -> tuple[int, Any]:
        """One request with the tenant's key (or the `headers` given); the answer as JSON, or as text."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        sent = {"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"} if headers is None \
            else headers
        request = urllib.request.Request(f"{self.api}{path}", data=data, method=method, headers=sent)  # noqa: S310
        try:
            with OPENER.open(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode()
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    def call(self, method: str, path: str, body: Any = None, *, status: int) -> Any:
        got, answer = self.http(method, path, body)
        print(f"  ->    {method} {path}  {got}", flush=True)
        if got != status:
            raise Failed(f"{method} {path} answered {got}, not {status}: {answer}")
        return answer


class Walk:
    """One account's side of a walkthrough: the worker's clock, the timeline read so far, each new event printed
    with `describe`."""

    def __init__(self, kindly: Kindly, account_id: str, zone: ZoneInfo,
                 describe: Callable[[dict[str, Any]], str], sweep_limit: int = 8) -> None:
        self.k = kindly
        self.account_id = account_id
        self.zone = zone
        self.describe = describe
        self.sweep_limit = sweep_limit  # sweeps sweep_until tries before it gives up
        self.clock = datetime.now(UTC)
        self.events: Events = []

    def local(self, at: datetime) -> str:
        return at.astimezone(self.zone).strftime("%a %d %b %H:%M")

    def account(self) -> dict[str, Any]:
        status, answer = self.k.http("GET", f"/v1/accounts/{self.account_id}")
        if status != 200:
            raise Failed(f"GET /v1/accounts/{self.account_id} answered {status}: {answer}")
        return dict(answer)

    def read_timeline(self) -> Events:
        """The events written since the last look, each printed in a line."""
        status, answer = self.k.http("GET", f"/v1/accounts/{self.account_id}/timeline")
        if status != 200:
            raise Failed(f"GET /v1/accounts/{self.account_id}/timeline answered {status}")
        new = [e for e in answer["events"] if e["seq"] > (self.events[-1]["seq"] if self.events else 0)]
        self.events += new
        for event in new:
            say(f"        timeline #{event['seq']:<3} {self.describe(event)}")
        return new

    def sweep_until(self, goal: str, reached: Callable[[Events], Any]) -> Events:
        """Sweep at the account's next action, again and again, until `reached(new events)` says so."""
        seen: Events = []
        for _ in range(self.sweep_limit):
            upcoming = self.account().get("next_action_at")
            if upcoming is None:
                raise Failed(f"the account has no next action, before {goal}")
            self.clock = max(datetime.fromisoformat(upcoming.replace("Z", "+00:00")), self.clock)
            result = self.k.cli("sweep", "--at", stamp(self.clock), "--tenant", self.k.tenant)
            summary = ", ".join(f"{k} {v}" for k, v in result.items() if k in ("sent", "deferred") and v) \
                or "nothing sent"
            say(f"sweep --at {stamp(self.clock)} ({self.local(self.clock)} local): {summary}")
            seen += self.read_timeline()
            if reached(seen):
                return seen
        raise Failed(f"{self.sweep_limit} sweeps and still not {goal}")


def run(walkthrough: Callable[[Kindly], None], doc: str, argv: list[str] | None = None) -> int:
    """The command line of a walkthrough script: where the API and `kindly` are, then PASSED or FAILED."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="the running local stack's API")
    parser.add_argument("--kindly", default=None, help="the kindly command (default: next to this Python)")
    args = parser.parse_args(argv)
    command = args.kindly or str(Path(sys.executable).parent / "kindly")
    if not Path(command).exists():
        command = shutil.which("kindly") or command
    try:
        walkthrough(Kindly(args.api, command))
    except Failed as exc:
        print(f"\nFAILED: {exc}", flush=True)
        return 1
    except (OSError, urllib.error.URLError) as exc:
        print(f"\nFAILED: cannot reach Kindly ({exc}); is the local stack running (`make run`)?", flush=True)
        return 1
    print("\nWALKTHROUGH PASSED", flush=True)
    return 0
