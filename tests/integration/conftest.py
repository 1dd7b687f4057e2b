"""Integration tests: real local servers (moto in server mode, Amazon's DynamoDB Local), one each per session."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.local.dynamodb_local import ensure_dynamodb_local, start_dynamodb_local
from chalicelib.local.environment import local_environment
from chalicelib.local.local_server import LocalServer
from chalicelib.local.moto_server import start_moto_process
from chalicelib.local.network import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def moto_server() -> Iterator[LocalServer]:
    # A child process, so the mock_aws of tests/aws can never reset what these tests put there.
    server = start_moto_process()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dynamodb_local(repo_root: Path) -> Iterator[LocalServer]:
    ensure_dynamodb_local(repo_root)
    server = start_dynamodb_local(repo_root)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def local_env(monkeypatch: pytest.MonkeyPatch, moto_server: LocalServer,
              dynamodb_local: LocalServer) -> dict[str, str]:
    """Point every boto3 / pynamodb client made during the test at the local servers."""
    env = local_environment(moto_server.url, dynamodb_local.url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    return env


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`kindly local up --no-demo` (what `make run` starts) on a free port, in the background, with its own stack
    file so the `kindly` a script runs finds it; stopped as a person's Ctrl-C stops it."""
    folder = tmp_path_factory.mktemp("local-stack")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KINDLY_"))}
    env["KINDLY_LOCAL_STACK_FILE"] = str(folder / "local-stack.json")
    log = folder / "stack.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(BIN / "kindly"), "local", "up", "--no-demo", "--port", str(port)],  # noqa: S603
                                   cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while "API " not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the local stack did not start:\n{log.read_text()}")
            time.sleep(0.3)
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        yield {"env": env, "api": f"http://127.0.0.1:{port}"}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def run_walkthrough(local_stack: dict[str, Any]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run scripts/<name> as a new user would, against the local stack's API (or the `api` given)."""

    def run(name: str, api: str | None = None, timeout: int = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / name),  # noqa: S603
                               "--api", api or local_stack["api"]],
                              cwd=REPO_ROOT, env=local_stack["env"], capture_output=True, text=True, timeout=timeout)

    return run
