"""`kindly local up` as `make run` runs it, in the foreground for as long as a person needs it: it serves the
API, tells the `kindly` command where it is, refuses to start twice or on a busy port, and leaves nothing
running when it is stopped (Ctrl-C, or SIGTERM from a process manager)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.local.network import free_port, port_is_bindable

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def stack_env(marker: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KINDLY_"))}
    return {**env, "KINDLY_LOCAL_STACK_FILE": str(marker)}


def kindly(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "kindly"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def read_until(process: subprocess.Popen[str], needle: str, timeout: float = 120) -> list[str]:
    """Lines the stack printed, up to the first one containing `needle`."""
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"the stack stopped before printing {needle!r}:\n" + "".join(lines))
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"no {needle!r} within {timeout} s:\n" + "".join(lines))


@pytest.fixture
def running_stack(tmp_path: Path) -> Iterator[dict[str, Any]]:
    marker = tmp_path / "local-stack.json"
    port = free_port()
    env = stack_env(marker)
    process = subprocess.Popen(  # noqa: S603 - our own venv's kindly
        [str(BIN / "kindly"), "local", "up", "--port", str(port), "--sweep-every", "3600"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        lines = read_until(process, "sweep done")
        key = next(line.split()[-1] for line in lines if line.startswith("demo API key"))
        yield {"process": process, "port": port, "key": key, "env": env, "marker": marker}
    finally:
        if process.poll() is None:  # stopped as a person would, so it stops what it started (chalice local)
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def test_the_stack_serves_the_api_and_stops_cleanly_on_sigterm(running_stack):
    process, port, marker = running_stack["process"], running_stack["port"], running_stack["marker"]
    # Given the stack is up: the API answers with the demo tenant's key
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/accounts/demo-madrid",
                                     headers={"Authorization": f"Bearer {running_stack['key']}"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - localhost
        assert json.loads(response.read())["account_id"] == "demo-madrid"
    # And the finance figures came through the accounts table's stream, as figures_stream keeps them on AWS
    from chalicelib.local.demo import DEMO_ACCOUNTS

    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/metrics",
                                     headers={"Authorization": f"Bearer {running_stack['key']}"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - localhost
        assert json.loads(response.read())["accounts"]["total"] == len(DEMO_ACCOUNTS)
    # And the kindly command finds it by itself
    assert json.loads(kindly(running_stack["env"], "outbox").stdout).keys() == {"email", "sms"}
    assert json.loads(marker.read_text())["pid"] == process.pid

    # When a process manager stops it
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    # Then nothing it started is left: the API's port is free and the marker is gone
    assert port_is_bindable("127.0.0.1", port)  # no listener left (a closed connection may linger in TIME_WAIT)
    assert not marker.exists()
    gone = kindly(running_stack["env"], "outbox")
    assert gone.returncode == 2 and "not running" in gone.stderr


def test_a_second_stack_is_refused_while_one_runs(running_stack):
    second = subprocess.run([str(BIN / "kindly"), "local", "up", "--port", str(free_port())], cwd=ROOT,
                            env=running_stack["env"], capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert "already running" in second.stderr and str(running_stack["process"].pid) in second.stderr
    # The first one is untouched
    assert running_stack["process"].poll() is None
    assert json.loads(running_stack["marker"].read_text())["pid"] == running_stack["process"].pid


def test_a_busy_port_is_refused_before_anything_starts(tmp_path):
    marker = tmp_path / "local-stack.json"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([str(BIN / "kindly"), "local", "up", "--port", str(port)], cwd=ROOT,
                                env=stack_env(marker), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"port {port}" in result.stderr and "--port" in result.stderr
    assert "moto server" not in result.stdout  # refused before starting anything
    assert not marker.exists()


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_the_stack_stops_and_says_so_when_the_api_dies(running_stack):
    process = running_stack["process"]
    [api] = children_of(process.pid)  # chalice local: moto runs in-process, DynamoDB Local was not asked for
    os.kill(api, signal.SIGKILL)
    assert process.wait(timeout=30) == 1
    assert "stopped unexpectedly" in process.stderr.read()
    assert not running_stack["marker"].exists()
