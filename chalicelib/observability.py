"""The one Logger, Metrics and Tracer. Built on first use, because chalice.test.Client only sets the stage's
environment during a call, and powertools reads its settings when constructed."""

from __future__ import annotations

import logging
import sys
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Any

_cli_level: str | None = None  # set by the command line: logs go to stderr, stdout stays for results


def log_to_stderr(level: str = "WARNING") -> None:
    global _cli_level
    _cli_level = level
    logger.cache_clear()


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger

    if _cli_level is not None:
        return Logger(service="kindly", level=_cli_level, logger_handler=logging.StreamHandler(sys.stderr))
    return Logger(service="kindly")


@lru_cache(maxsize=1)
def metrics() -> Any:
    from aws_lambda_powertools import Metrics

    return Metrics(namespace="Kindly", service="kindly")


@lru_cache(maxsize=1)
def tracer() -> Any:
    from aws_lambda_powertools import Tracer

    # Every AWS call Kindly makes goes through botocore (pynamodb's too), so botocore is the one library patched.
    # The default patches every library X-Ray supports that is installed: about 170 modules, some 40 ms of a cold
    # worker, for HTTP and database clients the worker never calls.
    traced = Tracer(service="kindly", auto_patch=False)
    traced.patch(["botocore"])
    return traced


WEBHOOKS_REFUSED = "WebhooksRefused"  # infra/template.yaml's dashboard graphs these names


def outcome_metric(kind: str) -> str:
    return f"Reminders{kind.title()}"


def count_webhook_refused() -> None:
    """One refused webhook (bad signature, stale or unreadable body), flushed at once: an HTTP call has no
    batch end to flush at. The reason and provider stay in the security log line, not in a dimension."""
    from aws_lambda_powertools.metrics import MetricUnit

    m = metrics()
    m.add_metric(name=WEBHOOKS_REFUSED, unit=MetricUnit.Count, value=1)
    m.flush_metrics()


def record_outcomes(outcomes: list[Any]) -> None:
    """One metric per outcome kind and per withholding reason; names and reason codes only, no personal data.
    Flushed by the Lambda handler (EMF lines on stdout become CloudWatch metrics)."""
    from aws_lambda_powertools.metrics import MetricUnit

    m = metrics()
    for outcome in outcomes:
        m.add_metric(name=outcome_metric(outcome.kind), unit=MetricUnit.Count, value=1)
        if outcome.kind in ("withheld", "deferred") and outcome.reason:
            m.add_metric(name=f"{outcome.kind.title()}_{outcome.reason}", unit=MetricUnit.Count, value=1)


def error_fields(exc: BaseException) -> dict[str, str | None]:
    """What a log line may say about an error: its type and the line that raised it, never its message, which
    can quote an address, a phone number or a request body."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}" if frames else None
    return {"error_type": type(exc).__name__, "error_at": where}
