"""Tomorrow's run counted and said in plain words: the console page's summary line and the daily email's."""

from __future__ import annotations

import pytest

from chalicelib.domain.tomorrow import breaker_words, capped, counted, hold_words, local_when, summarise

pytestmark = pytest.mark.unit


def row(channel: str | None = "email", **more: object) -> dict[str, object]:
    return {"account_id": "acc-1", "at": "2026-12-07T08:00:00Z", "local_time": "2026-12-07T09:00:00+01:00",
            "channel": channel, "template": "first", "policy": "standard", **more}


def forecast(send: list[dict[str, object]], hold_back: list[dict[str, object]] | None = None,
             hand_over: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {"send": send, "hold_back": hold_back or [], "hand_over": hand_over or []}


def test_a_run_is_counted_by_channel_emails_first_and_held_back_by_reason_most_first():
    summary = summarise(forecast(
        [row("sms"), row(), row(), row("email", waited_for="outside_send_window")],
        [row(reason="no_email_address"), row(reason="dispute_open"), row(reason="dispute_open")],
        [row(None, action="escalate")]))

    assert summary.by_channel == (("email", 3), ("sms", 1))
    assert summary.held_back == (("dispute_open", 2), ("no_email_address", 1))
    assert summary.waited == (("outside_send_window", 1),)
    assert summary.handed_over == 1
    assert summary.sentence() == ("3 emails, 1 text; 3 held back (2: the debt is disputed; "
                                  "1: there is no email address)")


def test_an_empty_run_says_so():
    assert summarise(forecast([])).sentence() == "nothing to send; nothing held back"


def test_nouns_are_singular_for_one_and_an_unknown_channel_or_reason_stays_readable():
    assert (counted(1, "email"), counted(2, "sms"), counted(2, "portal")) == ("1 email", "2 texts",
                                                                             "2 portal messages")
    summary = summarise(forecast([], [row(reason="some_new_rule")]))
    assert summary.sentence() == "nothing to send; 1 held back (1: some new rule)"


def test_the_debtors_local_time_is_said_with_its_offset():
    assert local_when("2026-12-07T09:00:00+01:00") == "Mon 7 Dec, 09:00 (UTC+01:00)"
    assert local_when("2026-12-07T03:30:00-05:00") == "Mon 7 Dec, 03:30 (UTC-05:00)"


def test_rows_are_capped_and_the_rest_counted():
    rows = [row(account_id=f"acc-{n}") for n in range(5)]
    assert capped(rows, 3) == (rows[:3], 2)
    assert capped(rows, 10) == (rows, 0)


def test_the_breaker_is_said_when_it_will_hold_and_silent_when_it_will_not():
    quiet = {"would_hold": False, "open_hold": None, "would_send": 3, "sent_today": 0, "threshold": 50,
             "average": 0.0}
    assert breaker_words(quiet) is None
    expected = breaker_words({**quiet, "would_hold": True, "would_send": 400, "threshold": 150, "average": 50.0})
    assert expected is not None and "expected to hold" in expected and "400 messages" in expected
    assert "limit of 150" in expected
    held = breaker_words({**quiet, "would_hold": True, "open_hold": {"hold_id": "h", "status": "held"}})
    assert held is not None and held.startswith("A run is held now")
    approved = breaker_words({**quiet, "open_hold": {"hold_id": "h", "status": "approved"}})
    assert approved == "A held run was approved: the next sweep sends it."


def test_a_first_run_awaiting_approval_is_said_with_its_policy():
    outlook = {"would_hold": True, "open_hold": None, "first_run": {"policy": "careful", "policy_version": 2}}
    assert breaker_words(outlook) == ("The circuit breaker is expected to hold this run: policy careful (version 2) "
                                      "asks for a person to approve its first run.")


def test_a_hold_is_said_with_counts_and_its_reason_only():
    hold = {"hold_id": "hold_1", "reason": "volume_above_usual", "messages": 420, "accounts": 400,
            "held_at": "2026-12-07T08:15:00Z"}
    assert hold_words(hold) == ("420 messages to 400 accounts, held at 2026-12-07T08:15 UTC because of more "
                                "messages than the usual day")
