"""The one Logger, Metrics and Tracer. Built on first use, because chalice.test.Client only sets the stage's
environment during a call, and powertools reads its settings when constructed."""

from __future__ import annotations

import logging
import sys
from functools import lru_cache
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

    return Tracer(service="kindly")


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Emit a metric without personal data: names and reason codes only."""
    from aws_lambda_powertools.metrics import MetricUnit

    m = metrics()
    m.add_metric(name=name, unit=MetricUnit.Count, value=value)
