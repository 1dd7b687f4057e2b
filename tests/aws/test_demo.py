"""`make run` shows Kindly working whatever the day and hour a newcomer starts it: loaded and swept at any
instant (a Sunday at any hour, a weekday, the demo countries' public holidays), the demo sends some emails,
each at a decent local hour, and holds others back for reasons it names."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.in_process_sweep import run_sweep
from chalicelib.local.demo import DEMO_ACCOUNTS, load_demo
from tests.aws.conftest import sent_emails

ZONES = {account_id: zone for account_id, _name, _locale, zone, *_ in DEMO_ACCOUNTS}

INSTANTS = [
    *(f"2026-11-29T{hour:02d}:00:00Z" for hour in range(0, 24, 3)),  # a Sunday, every three hours
    "2026-11-29T19:30:00Z",  # Sunday evening in Europe, Sunday afternoon in the Americas
    "2026-11-28T15:00:00Z",  # a Saturday
    "2026-12-02T10:00:00Z",  # a Wednesday
    "2026-11-23T02:00:00Z",  # Labour Thanksgiving Day in Japan
    "2026-11-26T18:00:00Z",  # Thanksgiving in the United States
    "2026-12-25T12:00:00Z",  # Christmas Day
    "2026-12-25T22:00:00Z",  # Christmas evening in the Americas
    "2026-12-26T10:00:00Z",  # Boxing Day
    "2027-01-01T09:00:00Z",  # New Year's Day
    "2027-01-01T21:00:00Z",
]


def at(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("instant", INSTANTS)
def test_the_demo_sends_some_emails_and_holds_others_back_at_any_instant(aws, instant):
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.bootstrap import Container

    now = at(instant)
    app = Container(aws.settings, clock=FixedClock(now))
    demo = load_demo(app, now.date())
    outcomes = []

    summary = run_sweep(app, now, demo["tenant_id"], on_outcome=lambda item, o: outcomes.append((item, o)))

    assert summary["errors"] == 0
    emailed = [item["account_id"] for item, o in outcomes if o.kind == "sent" and o.channel == "email"]
    assert emailed and len(sent_emails()) == len(emailed)
    for account_id in emailed:  # the guard's hours, whatever the demo policy says
        assert 8 <= now.astimezone(ZoneInfo(ZONES[account_id])).hour < 21
    held = [(item["account_id"], o.reason) for item, o in outcomes if o.kind in ("deferred", "withheld")]
    assert held and all(reason for _account, reason in held)
    assert ("demo-dispute", "dispute_open") in held

