"""`make destroy` / infra/destroy.sh: the right order, and refusals before anything is deleted. Run in its dry-run
mode (DRY_RUN=1 prints the AWS commands instead of making them) and with a fake `aws` on PATH that records
its calls, so no test needs AWS."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.aws.test_infra import load_template, resolve, resources_of

pytestmark = pytest.mark.aws

ROOT = Path(__file__).resolve().parents[2]
DESTROY = ROOT / "infra" / "destroy.sh"


def run(*args: str, env: dict[str, str] | None = None, make: bool = False,
        stdin: str = "") -> subprocess.CompletedProcess[str]:
    command = ["make", "--no-print-directory", "-C", str(ROOT), "destroy", *args] if make else [str(DESTROY), *args]
    base = {k: v for k, v in os.environ.items() if k not in ("CONFIRM", "DELETE_DATA", "DRY_RUN", "STAGE")}
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False,  # noqa: S603
                          env={**base, **(env or {})}, input=stdin)


def commands(output: str) -> list[str]:
    return [line.removeprefix("+ aws ") for line in output.splitlines() if line.startswith("+ aws ")]


@pytest.fixture
def fake_aws(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """An `aws` that records each call and answers describe-table as if every table existed."""
    log = tmp_path / "calls.log"
    fake = tmp_path / "bin" / "aws"
    fake.parent.mkdir()
    fake.write_text(f'#!/usr/bin/env bash\necho "$*" >> {log}\n'
                    'case "$*" in *describe-stacks*) echo my-artifacts-bucket;; esac\n')
    fake.chmod(0o755)
    return {"PATH": f"{fake.parent}:{os.environ['PATH']}"}, log


def test_destroy_deletes_the_app_stack_before_the_infra_stack_and_keeps_the_data() -> None:
    result = run("STAGE=dev", "DRY_RUN=1", make=True)

    assert result.returncode == 0, result.stderr
    assert commands(result.stdout) == [
        "cloudformation delete-stack --stack-name kindly-dev-app",
        "cloudformation wait stack-delete-complete --stack-name kindly-dev-app",
        "cloudformation delete-stack --stack-name kindly-dev-infra",
        "cloudformation wait stack-delete-complete --stack-name kindly-dev-infra",
    ]
    assert "Kept: tables" in result.stdout and "DELETE_DATA=yes" in result.stdout


def test_destroy_with_delete_data_removes_every_table_of_the_template_after_the_stacks() -> None:
    result = run("dev", env={"DRY_RUN": "1", "DELETE_DATA": "yes"})

    assert result.returncode == 0, result.stderr
    done = commands(result.stdout)
    # The bucket's name is read while the infra stack still answers, and the tables go after both stacks
    assert done[0].startswith("cloudformation describe-stacks --stack-name kindly-dev-infra")
    last_stack = done.index("cloudformation wait stack-delete-complete --stack-name kindly-dev-infra")
    deleted = [c.split()[-1] for c in done if c.startswith("dynamodb delete-table")]
    assert all(done.index(f"dynamodb delete-table --table-name {t}") > last_stack for t in deleted)
    tables = resources_of(load_template(), "AWS::DynamoDB::Table").values()
    assert sorted(deleted) == sorted(resolve(t["Properties"]["TableName"], {"Stage": "dev"}) for t in tables)
    # And the audit table's deletion protection is lifted first, or DeleteTable would be refused
    assert done.index("dynamodb update-table --table-name kindly-dev-audit --no-deletion-protection-enabled") < \
        done.index("dynamodb delete-table --table-name kindly-dev-audit")
    assert any(c.startswith("s3 rb s3://") for c in done)


@pytest.mark.parametrize("args", [[], ["STAGE=staging"]], ids=["no-stage", "unknown-stage"])
def test_make_destroy_refuses_without_a_known_stage(args: list[str]) -> None:
    result = run(*args, make=True)

    assert result.returncode == 2
    assert "STAGE" in result.stderr and "dev" in result.stderr
    assert "delete-stack" not in result.stdout


def test_destroy_refuses_prod_data(fake_aws: tuple[dict[str, str], Path]) -> None:
    env, log = fake_aws
    result = run("prod", env={**env, "DELETE_DATA": "yes", "CONFIRM": "yes"})

    assert result.returncode == 1
    assert "refused for prod" in result.stderr
    assert not log.exists()  # no AWS call at all


def test_destroy_without_a_terminal_or_confirm_deletes_nothing(fake_aws: tuple[dict[str, str], Path]) -> None:
    env, log = fake_aws
    result = run("dev", env=env)  # stdin is a pipe, not a terminal

    assert result.returncode == 1
    assert "CONFIRM=yes" in result.stderr
    assert not log.exists()


def test_destroy_with_confirm_calls_aws_in_order(fake_aws: tuple[dict[str, str], Path]) -> None:
    env, log = fake_aws
    result = run("dev", env={**env, "CONFIRM": "yes"})

    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert calls == [
        "cloudformation delete-stack --stack-name kindly-dev-app",
        "cloudformation wait stack-delete-complete --stack-name kindly-dev-app",
        "cloudformation delete-stack --stack-name kindly-dev-infra",
        "cloudformation wait stack-delete-complete --stack-name kindly-dev-infra",
    ]
    assert not any(re.search(r"delete-table|s3 rb|ssm", c) for c in calls)


def test_make_deploy_refuses_without_a_stage() -> None:
    result = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "deploy"],  # noqa: S603, S607
                            capture_output=True, text=True, timeout=60, check=False,
                            env={k: v for k, v in os.environ.items() if k != "STAGE"})
    assert result.returncode == 2
    assert "make deploy STAGE=dev" in result.stderr
