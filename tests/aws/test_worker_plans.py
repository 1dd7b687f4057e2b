"""The worker with a payment plan and a promise, on moto: `kindly sweep --at` style sweeps (in_process_sweep) through
a plan's dates send the heads-ups, the nudge, the break (finance told) and resume the policy's steps; a promise
pauses them and gets one follow-up. The preview, looping over the same `decide`, shows the same messages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from chalicelib.adapters.clock import FixedClock
from chalicelib.adapters.holiday_calendar import holiday_checker
from chalicelib.bootstrap import Container
from chalicelib.domain import plans as pl
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.promises import Promise
from chalicelib.domain.schedule import local_day, refresh_schedule
from chalicelib.domain.simulation import simulate
from tests.support.samples import account
from tests.support.sweeps import Sent, worker_sends

pytestmark = pytest.mark.aws

START = datetime.fromisoformat("2026-11-23T00:00:00+00:00")  # a Monday
DAYS = 60
MADRID = ("Europe/Madrid",)


def invoice(due_on: str, amount: int = 12000) -> list[dict[str, Any]]:
    return [{**account()["invoices"][0], "due_on": due_on, "issued_on": "2026-11-01", "amount": amount}]


ACCOUNTS = {
    "plan": account(invoices=invoice("2026-11-16")),  # a monthly plan from 1 December, never paid
    "promise": account(invoices=invoice("2026-11-20")),  # a promise to pay by 5 December, not kept
}


def _set_up(aws: Any, tenant_id: str) -> None:
    app = Container(aws.settings, clock=FixedClock(START))
    for account_id, body in ACCOUNTS.items():
        app.accounts.upsert(tenant_id, account_id, body, "test")
    quoted = pl.quote(pl.PlanRequest(pl.MONTHLY, 2, date(2026, 12, 1)), {"EUR": 12000}, pl.PlanLimits(),
                      START.date())
    arrangements = {"plan": ("plan_created", {"plan": pl.start_plan(quoted, pl.MONTHLY, "tenant", START)}),
                    "promise": ("promise_made", {"promise": Promise(12000, "EUR", date(2026, 12, 5), START)})}
    repository = app.account_repository
    for account_id, (event, changes) in arrangements.items():
        current = repository.get(tenant_id, account_id)
        for name, value in changes.items():
            setattr(current, name, value)
        current.record(START, event, "test", {})
        refresh_schedule(current, STANDARD)
        current.next_action_at = START
        repository.save(current)


def _day(at: datetime) -> str:
    return local_day(at, MADRID).isoformat()


def _worker_sends(tenant_id: str, aws: Any) -> Sent:
    return worker_sends(aws, tenant_id, ACCOUNTS, START, DAYS, _day)


def _preview_sends(accounts: dict[str, Any]) -> dict[str, list[tuple[str, str | None, str | None]]]:
    sent = {}
    for account_id, current in accounts.items():
        messages = simulate(current, STANDARD, START, DAYS, holiday_checker)
        sent[account_id] = [(_day(datetime.fromisoformat(m["at"])), m["channel"],
                             "escalate" if m.get("action") == "escalate" else m.get("action") or m["template"])
                            for m in messages if m["withheld"] is None]
    return sent


def test_sweeps_through_a_plan_and_a_promise_send_what_the_preview_shows(aws, tenant):
    tenant_id = tenant["tenant_id"]
    _set_up(aws, tenant_id)
    at_start = {account_id: aws.account_repository.get(tenant_id, account_id) for account_id in ACCOUNTS}

    previewed = _preview_sends(at_start)
    worked = _worker_sends(tenant_id, aws)

    assert worked == previewed
    # Confirmed, a heads-up three days before each instalment (1 December, 1 January), one nudge after the first
    # miss, the break told to finance and to the debtor, then the steps resume at the
    # hand-over whose day has come: never from the first step.
    assert worked["plan"] == [
        ("2026-11-23", "email", "plan_confirmed"),
        ("2026-11-28", "email", "instalment_heads_up"),
        ("2026-12-05", "email", "instalment_missed"),
        ("2026-12-29", "email", "instalment_heads_up"),
        ("2027-01-05", None, "plan_broken"),
        ("2027-01-05", "email", "plan_ended"),
        ("2027-01-05", None, "escalate"),
    ]
    # The promise held every step until 5 December + 3 grace days; one follow-up, then the steps go on.
    assert worked["promise"][0] == ("2026-12-09", "email", "promise_missed")
    assert all(day > "2026-12-09" for day, _c, _t in worked["promise"][1:])

    types = [e.type for e in aws.account_repository.events(tenant_id, "plan")]
    for event in ("plan_created", "instalment_missed", "plan_broken"):
        assert event in types
    assert types.count("instalment_missed") == 2 and types.count("plan_broken") == 1
    assert "promise_broken" in [e.type for e in aws.account_repository.events(tenant_id, "promise")]
