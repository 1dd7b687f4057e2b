"""The one Logger, Metrics and Tracer. Built on first use, because chalice.test.Client only sets the stage's
environment during a call, and powertools reads its settings when constructed."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def logger() -> Any:
    from aws_lambda_powertools import Logger

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
