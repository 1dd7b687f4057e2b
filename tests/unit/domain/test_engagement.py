"""The debtor's reading hours (domain/engagement.py) and how decide() times an email by them: only with enough
signal, never more than a day later, and always at an instant the courtesy guard allows."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.courtesy import Allow, evaluate
from chalicelib.domain.decision import Defer, Send, decide, guard_input
from chalicelib.domain.engagement import (
    ENGAGEMENT_TIMING,
    KEEP,
    PAID,
    Signal,
    reading_hours,
    remember,
)
from chalicelib.domain.payments import SUCCEEDED, Payment
from chalicelib.domain.policies import STANDARD
from tests.unit.domain.test_decision import account, holidays_on, madrid, no_holidays

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")
NOW = madrid(12, 9)  # the heads-up's day opens: Thursday 2026-11-12, 09:00 in Madrid


def opens(*moments: tuple[int, int, int], kind: str = "opened") -> list[Signal]:
    """Signals at (day of November, hour, minute), Madrid time."""
    return [Signal(madrid(day, hour, minute).astimezone(UTC), kind) for day, hour, minute in moments]


EVENING = opens((3, 18, 40), (6, 19, 20), (10, 19, 5))


def test_three_opens_close_together_make_reading_hours_that_say_what_shows_them():
    hours = reading_hours(EVENING, "Europe/Madrid", NOW)
    assert hours is not None
    assert (hours.start, hours.end) == (time(18, 40), time(19, 40))  # at least an hour wide
    assert hours.evidence == "the last 3 opens were 18:40–19:20"


@pytest.mark.parametrize("signals", [
    pytest.param(EVENING[:2], id="two signals are not enough"),
    pytest.param(opens((3, 9, 0), (6, 13, 30), (10, 19, 5)), id="spread over more than three hours"),
    pytest.param(EVENING[:2] + [Signal(datetime(2026, 8, 10, 19, 0, tzinfo=MADRID), "opened")],
                 id="one is older than 90 days"),
    pytest.param(EVENING[:2] + [Signal(NOW + timedelta(hours=1), "opened")], id="one is in the future"),
])
def test_without_enough_signal_there_are_no_reading_hours(signals):
    assert reading_hours(signals, "Europe/Madrid", NOW) is None


def test_the_sentence_names_every_kind_of_signal_and_hours_are_local():
    signals = opens((3, 18, 40), kind="clicked") + opens((6, 19, 0)) + opens((10, 18, 50), kind=PAID)
    hours = reading_hours(signals, "America/New_York", NOW)
    assert hours is not None and hours.start == time(12, 40)
    assert hours.evidence == "the last 3 opens and clicks and payments were 12:40–13:00"


def test_the_account_keeps_only_the_latest_signals_once_each():
    kept: list[Signal] = []
    for n in range(KEEP + 5):
        kept = remember(kept, Signal(NOW - timedelta(days=30 - n), "opened"))
    kept = remember(kept, kept[-1])
    assert len(kept) == KEEP and kept[-1].at == NOW - timedelta(days=30 - KEEP - 4)
    assert kept == sorted(kept, key=lambda s: s.at)


# --- decide() ---------------------------------------------------------------------------------------------

def test_an_evening_reader_gets_the_morning_heads_up_in_the_evening_and_the_audit_says_why():
    waiting = decide(account(engagement=EVENING), STANDARD, NOW, no_holidays)
    assert isinstance(waiting, Defer)
    assert (waiting.rule, waiting.until) == (ENGAGEMENT_TIMING, madrid(12, 18, 40))
    assert waiting.due is not None and waiting.due.step.template == "heads_up"

    sent = decide(account(engagement=EVENING), STANDARD, waiting.until, no_holidays)
    assert isinstance(sent, Send) and sent.at == madrid(12, 18, 40)
    assert sent.timing == "sent at 18:40 local: the last 3 opens were 18:40–19:20"


def test_without_enough_signal_nothing_changes():
    decision = decide(account(engagement=EVENING[:2]), STANDARD, NOW, no_holidays)
    assert isinstance(decision, Send) and decision.at == NOW and decision.timing is None


def test_payments_on_the_ledger_count_as_signals():
    paid = [Payment("stripe", f"ch_{n}", SUCCEEDED, 100, "EUR", s.at, f"evt_{n}") for n, s in enumerate(EVENING)]
    decision = decide(account(payments=paid), STANDARD, NOW, no_holidays)
    assert isinstance(decision, Defer) and decision.until == madrid(12, 18, 40)
    assert decision.timing == "sent at 18:40 local: the last 3 payments were 18:40–19:20"


def test_the_guard_wins_over_the_reading_hours():
    # the debtor chose mornings on their page: the evening is not allowed, so the email goes now
    chosen = decide(account(engagement=EVENING, preferred_hours=(time(9), time(12))), STANDARD, NOW, no_holidays)
    assert isinstance(chosen, Send) and chosen.at == NOW and chosen.timing is None
    # the policy's window closes at 19:00: readers at 19:30 are not followed there
    late = decide(account(engagement=opens((3, 19, 30), (6, 19, 45), (10, 20, 10))), STANDARD, NOW, no_holidays)
    assert isinstance(late, Send) and late.timing is None


def test_a_morning_reader_past_their_hours_waits_for_tomorrows_but_never_past_a_day_off():
    morning = opens((3, 9, 10), (6, 9, 40), (10, 9, 25))
    afternoon = madrid(12, 15)
    decision = decide(account(engagement=morning), STANDARD, afternoon, no_holidays)
    assert isinstance(decision, Defer) and decision.until == madrid(13, 9, 10)
    assert decision.until - afternoon <= timedelta(days=1)
    # tomorrow is a public holiday: no waiting for it, the email goes now as without the rule
    holiday = decide(account(engagement=morning), STANDARD, afternoon, holidays_on(date(2026, 11, 13)))
    assert isinstance(holiday, Send) and holiday.at == afternoon


def test_an_unknown_zone_changes_nothing():
    decision = decide(account(engagement=EVENING, timezone=None), STANDARD, NOW, no_holidays)
    assert not (isinstance(decision, Defer) and decision.rule == ENGAGEMENT_TIMING)


@settings(max_examples=60, deadline=None)
@given(first_minute=st.integers(0, 24 * 60 - 1), offsets=st.lists(st.integers(0, 200), min_size=3, max_size=6),
       now_offset=st.integers(0, 5 * 24 * 60 - 1), hours=st.sampled_from([None, (time(9), time(12)),
                                                                          (time(14), time(19))]))
def test_the_chosen_instant_always_passes_the_guard_and_is_at_most_a_day_away(first_minute, offsets, now_offset,
                                                                              hours):
    start = datetime(2026, 11, 1, tzinfo=MADRID) + timedelta(minutes=first_minute)
    signals = [Signal((start + timedelta(days=n, minutes=m)).astimezone(UTC), "opened")
               for n, m in enumerate(offsets)]
    now = madrid(12, 0) + timedelta(minutes=now_offset)
    acct = account(engagement=signals, preferred_hours=hours)
    decision = decide(acct, STANDARD, now, no_holidays)
    if isinstance(decision, Defer) and decision.rule == ENGAGEMENT_TIMING:
        assert now < decision.until <= now + timedelta(days=1)
        assert isinstance(evaluate(guard_input(acct, STANDARD, "email", decision.until, no_holidays)), Allow)
        assert decision.timing and decision.timing.startswith(f"sent at {decision.until.astimezone(MADRID):%H:%M}")
    if isinstance(decision, Send):
        assert isinstance(evaluate(guard_input(acct, STANDARD, decision.channel, now, no_holidays)), Allow)


def test_a_worker_a_few_minutes_late_still_finds_the_reader_inside_their_hours():
    same_minute = opens((3, 18, 40), (6, 18, 40), (10, 18, 40))
    late_pickup = madrid(12, 18, 47)
    decision = decide(account(engagement=same_minute), STANDARD, late_pickup, no_holidays)
    assert isinstance(decision, Send) and decision.at == late_pickup
    assert decision.timing == "sent at 18:47 local: the last 3 opens were 18:40"


def test_a_step_is_never_put_off_past_the_day_after_its_own():
    morning = opens((3, 9, 10), (6, 9, 40), (10, 9, 25))
    day_after = madrid(13, 15)  # the heads-up's day was the 12th: waiting for the 14th would be too late
    decision = decide(account(engagement=morning), STANDARD, day_after, no_holidays)
    assert isinstance(decision, Send) and decision.at == day_after and decision.timing is None
