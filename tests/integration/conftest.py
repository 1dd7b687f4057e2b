"""Integration tests: real local servers (moto in server mode, Amazon's DynamoDB Local), one each per session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.local.dynamodb_local import ensure_dynamodb_local, start_dynamodb_local
from chalicelib.local.environment import local_environment
from chalicelib.local.local_server import LocalServer
from chalicelib.local.moto_server import start_moto_process

REPO_ROOT = Path(__file__).resolve().parents[2]


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
