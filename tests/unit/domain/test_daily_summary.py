"""The daily summary email's pure parts: when it is due, and what it says (counts, never a debtor)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.daily_summary import first_opening, summary_due, summary_email
from chalicelib.domain.tomorrow import RunSummary

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")


@pytest.mark.parametrize("local, due", [
    ("07:59", False), ("08:00", True), ("08:45", True), ("08:59", True), ("09:00", False), ("15:00", False),
    ("00:10", False),
])
def test_it_is_due_in_the_hour_before_the_first_window_opens(local, due):
    hour, minute = map(int, local.split(":"))
    assert summary_due(datetime(2026, 12, 7, hour, minute, tzinfo=MADRID), time(9, 0)) is due


def test_the_first_opening_is_the_earliest_policys_and_08_00_without_one():
    assert first_opening([time(10, 0), time(9, 30)]) == time(9, 30)
    assert first_opening([]) == time(8, 0)


SUMMARY = RunSummary((("email", 41), ("sms", 3)), (("dispute_open", 3), ("no_email_address", 2)),
                     (("outside_send_window", 4),), 1)


def test_the_email_counts_by_channel_and_reason_and_links_to_the_page():
    message = summary_email("Acme", "2026-12-07", SUMMARY, None, [], "https://k.example/console/tomorrow")

    assert message.subject == "Acme: today's run, 44 to send, 5 held back"
    lines = message.text.splitlines()
    assert "Will be sent: 41 emails, 3 texts" in lines
    assert "Held back: 5" in lines and "  3: the debt is disputed" in lines
    assert "  2: there is no email address" in lines
    assert "  4: outside the policy's sending hours" in lines
    assert "Handed to a person at your company: 1" in lines
    assert "https://k.example/console/tomorrow" in message.text
    assert "held run" not in message.text.lower().replace("approve held runs", "")


def test_a_held_run_and_the_breakers_outlook_are_in_the_email():
    hold = {"hold_id": "hold_1", "status": "held", "reason": "volume_above_usual", "messages": 420,
            "accounts": 400, "held_at": "2026-12-07T07:15:00Z"}
    released = {**hold, "hold_id": "hold_0", "status": "released"}
    message = summary_email("Acme", "2026-12-07", SUMMARY, "A run is held now.", [hold, released], "link")

    assert message.subject.endswith(", a held run awaits approval")
    assert "A run is held now." in message.text
    assert message.text.count("420 messages to 400 accounts") == 1  # only the one still waiting
