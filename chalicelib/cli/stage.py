"""The stage a command runs against: its settings from `.chalice/config.json`, and on the local stage the
stand-ins of the running `kindly local up`."""

from __future__ import annotations

import os

from chalicelib.cli.usage import UsageError


def load_stage(stage: str) -> None:
    """Apply the stage's variables (without overriding the caller's own) and forget anything built before."""
    from chalicelib.bootstrap import reset
    from chalicelib.config import UnknownStage, apply_stage, cli_settings

    try:
        apply_stage(stage)
    except UnknownStage as exc:
        raise UsageError(str(exc)) from exc
    if stage == "local" and not cli_settings().aws_endpoint_url:
        use_running_local_stack()
    reset()


def use_running_local_stack() -> None:
    from chalicelib.config import cli_settings
    from chalicelib.local.stack_file import running_stack

    stack = running_stack(cli_settings().local_stack_file)
    if stack is None:
        raise UsageError(
            "the local stack is not running: start it with `make run` (or `kindly local up`), "
            "or point AWS_ENDPOINT_URL at your own stand-ins"
        )
    for name, value in stack["environment"].items():
        os.environ.setdefault(name, value)
