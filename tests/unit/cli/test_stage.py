"""The `kindly` command's settings, the stage it loads, and how it finds a running local stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.cli.stage import load_stage
from chalicelib.cli.usage import UsageError
from chalicelib.config import REPO_ROOT, UnknownStage, apply_stage, cli_settings, stage_variables
from chalicelib.local.stack_file import running_stack, write_stack_file

pytestmark = pytest.mark.unit


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A private copy of the environment for code that writes to os.environ."""
    copy = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KINDLY_"))}
    monkeypatch.setattr(os, "environ", copy)
    return copy


def test_cli_settings_defaults_and_overrides(tmp_path: Path):
    default = cli_settings({})
    assert default.stage == "local" and default.log_level == "WARNING" and default.aws_endpoint_url is None
    assert default.local_stack_file == REPO_ROOT / ".kindly" / "local-stack.json"
    given = cli_settings({"KINDLY_STAGE": " dev ", "KINDLY_LOCAL_STACK_FILE": str(tmp_path / "s.json"),
                          "KINDLY_CLI_LOG_LEVEL": "DEBUG", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"})
    assert (given.stage, given.local_stack_file, given.log_level, given.aws_endpoint_url) == (
        "dev", tmp_path / "s.json", "DEBUG", "http://127.0.0.1:5000")


def test_stage_variables_are_the_shared_ones_then_the_stage_s():
    dev = stage_variables("dev")
    assert dev["KINDLY_STAGE"] == "dev" and dev["POWERTOOLS_SERVICE_NAME"] == "kindly"
    with pytest.raises(UnknownStage, match="unknown stage 'staging'; .chalice/config.json has local, dev, prod"):
        stage_variables("staging")


def test_applying_a_stage_keeps_the_caller_s_own_variables(environ):
    environ["KINDLY_ACCOUNTS_TABLE"] = "mine"
    apply_stage("dev")
    assert environ["KINDLY_ACCOUNTS_TABLE"] == "mine" and environ["KINDLY_STAGE"] == "dev"


def test_an_unknown_stage_is_a_usage_error_and_sets_nothing(environ):
    before = dict(environ)
    with pytest.raises(UsageError, match="unknown stage 'nope'"):
        load_stage("nope")
    assert environ == before


def test_the_local_stage_uses_the_running_stack_s_stand_ins(environ, tmp_path):
    marker = tmp_path / "stack.json"
    environ["KINDLY_LOCAL_STACK_FILE"] = str(marker)
    write_stack_file(marker, {"AWS_ENDPOINT_URL": "http://127.0.0.1:5999"}, "http://127.0.0.1:8000")
    load_stage("local")
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5999" and environ["KINDLY_STAGE"] == "local"


def test_without_a_running_stack_the_local_stage_says_how_to_start_one(environ, tmp_path):
    environ["KINDLY_LOCAL_STACK_FILE"] = str(tmp_path / "none.json")
    with pytest.raises(UsageError, match="the local stack is not running: start it with `make run`"):
        load_stage("local")
    assert "AWS_ENDPOINT_URL" not in environ


def test_a_file_left_by_a_killed_stack_is_removed(tmp_path):
    marker = tmp_path / "stack.json"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    marker.write_text(json.dumps({"pid": int(gone.stdout), "environment": {}, "api": "http://127.0.0.1:8000"}))
    assert running_stack(marker) is None
    assert not marker.exists()
    marker.write_text("")
    assert running_stack(marker) is None and not marker.exists()


def test_a_live_stack_is_read_back(tmp_path):
    marker = tmp_path / "nested" / "stack.json"
    write_stack_file(marker, {"AWS_ENDPOINT_URL": "http://127.0.0.1:5999"}, "http://127.0.0.1:8001")
    assert running_stack(marker) == {"pid": os.getpid(), "environment": {"AWS_ENDPOINT_URL": "http://127.0.0.1:5999"},
                                     "api": "http://127.0.0.1:8001"}
