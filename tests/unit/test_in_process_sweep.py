"""The in-process sweep (`kindly sweep --at`, the local timer) names each outcome's own account, even when
another record of the same batch failed and has none."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.outcomes import Outcome
from chalicelib.in_process_sweep import run_sweep
from chalicelib.services.sweep import SweepPlan
from tests.fakes import fake_container

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class DueTwo:
    def plan(self, at: datetime, tenant_id: str | None) -> SweepPlan:
        return SweepPlan([{"tenant_id": "t-1", "account_id": "acct-1"}, {"tenant_id": "t-1", "account_id": "acct-2"}])


class FailsFirst:
    def process(self, tenant_id: str, account_id: str, snapshot: Any = None, holidays: Any = None) -> Outcome:
        if account_id == "acct-1":
            raise RuntimeError("connection reset")
        return Outcome("sent", channel="email", template="gentle_reminder")


def test_an_outcome_is_reported_with_its_own_account_when_another_record_failed():
    app = fake_container(NOW).container
    app.__dict__.update(sweep=DueTwo(), remind=FailsFirst())
    seen: list[tuple[str, str]] = []

    summary = run_sweep(app, NOW, on_outcome=lambda item, outcome: seen.append((item["account_id"], outcome.kind)))

    assert seen == [("acct-2", "sent")]
    assert summary["errors"] == 1 and summary["sent"] == 1
