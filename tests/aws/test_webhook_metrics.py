"""A refused webhook is counted for the operations dashboard (infra/template.yaml), with no personal data."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import observability
from tests.aws.test_webhooks import overdue, post, stripe_paid  # noqa: F401 - overdue is a fixture
from tests.support import webhooks as wh

pytestmark = pytest.mark.aws


class RecordedMetrics:
    def __init__(self) -> None:
        self.added: list[tuple[str, float]] = []
        self.flushed: list[list[tuple[str, float]]] = []

    def add_metric(self, *, name: str, unit: Any, value: float) -> None:
        self.added.append((name, value))

    def flush_metrics(self) -> None:
        self.flushed.append(self.added)
        self.added = []


def test_a_refused_webhook_is_counted_and_flushed(client, overdue, monkeypatch):  # noqa: F811
    recorded = RecordedMetrics()
    monkeypatch.setattr(observability, "metrics", lambda: recorded)
    payload = stripe_paid()

    refused = post(client, overdue["tenant_id"], "stripe", payload, wh.stripe_headers(payload, secret="whsec_wrong"))
    accepted = post(client, overdue["tenant_id"], "stripe", payload, wh.stripe_headers(payload))

    assert refused.status_code in (400, 401) and accepted.status_code == 200
    assert recorded.flushed == [[(observability.WEBHOOKS_REFUSED, 1)]]  # the refusal only, flushed at once
