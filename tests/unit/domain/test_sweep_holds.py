"""When the sweep's circuit breaker trips (domain/sweep_holds.py): above max(floor, multiple x the usual day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec.structs import replace

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.sweep_holds import (
    APPROVED,
    HELD,
    RELEASED,
    SweepLimits,
    allowance,
    hold_from_stored,
    hold_to_stored,
    judge,
    new_hold,
    sweep_held_event,
    trailing_average,
)

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 1)
AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def history(*per_day: int) -> dict[date, int]:
    """Counts for the days before today, most recent first."""
    return {TODAY - timedelta(days=n + 1): count for n, count in enumerate(per_day)}


def test_a_new_tenant_is_judged_by_the_floor_alone():
    limits = SweepLimits(multiple=3, floor=50)

    assert not judge(50, {}, TODAY, limits).over
    assert judge(51, {}, TODAY, limits).over
    assert judge(51, {}, TODAY, limits).threshold == 50


def test_above_the_multiple_of_the_usual_day_holds_and_at_it_does_not():
    counts = history(100, 100, 100, 100, 100, 100, 100)  # threshold 300

    assert not judge(300, counts, TODAY, SweepLimits()).over
    verdict = judge(301, counts, TODAY, SweepLimits())
    assert verdict.over and verdict.threshold == 300 and verdict.average == 100


def test_what_went_out_earlier_today_counts_with_this_sweep():
    counts = {**history(20, 20, 20), TODAY: 55}  # threshold max(50, 60) = 60

    assert not judge(5, counts, TODAY, SweepLimits()).over
    assert judge(6, counts, TODAY, SweepLimits()).over


def test_days_that_sent_nothing_do_not_dilute_the_usual_day():
    # A tenant that sends on Mondays only: 400 last Monday is its usual day, not 400 / 7.
    assert trailing_average(history(0, 0, 0, 0, 0, 0, 400), TODAY) == 400
    assert not judge(400, history(0, 0, 0, 0, 0, 0, 400), TODAY, SweepLimits(floor=0)).over


def test_only_the_trailing_seven_days_count():
    counts = {**history(10, 10, 10, 10, 10, 10, 10), TODAY - timedelta(days=8): 10_000}

    assert trailing_average(counts, TODAY) == 10


def test_what_a_person_approved_today_does_not_count_against_the_rest_of_the_day():
    counts = {**history(10, 10), TODAY: 500}  # 500 went out after an approval
    held = new_hold("ten_1", AT, "volume_above_usual", 480, 480, {})
    released = replace(held, released_on=TODAY).moved(RELEASED, AT, "sweep")

    assert judge(5, counts, TODAY, SweepLimits()).over
    assert not judge(5, counts, TODAY, SweepLimits(), allowance([released], TODAY)).over
    assert allowance([released], TODAY + timedelta(days=1)) == 0  # an approval is for its own day


def test_a_sweep_that_would_send_nothing_never_holds():
    assert not judge(0, {TODAY: 10_000}, TODAY, SweepLimits(floor=0)).over


@given(st.integers(0, 5000), st.lists(st.integers(0, 2000), min_size=7, max_size=7), st.integers(0, 500),
       st.floats(1, 10))
def test_the_threshold_is_never_below_the_floor_nor_the_multiple_of_the_average(would, days, floor, multiple):
    limits = SweepLimits(multiple=multiple, floor=floor)
    verdict = judge(would, history(*days), TODAY, limits)

    assert verdict.threshold >= floor
    assert verdict.threshold >= multiple * verdict.average
    assert verdict.over == (would > 0 and would > verdict.threshold)


@pytest.mark.parametrize(("multiple", "floor", "field"), [(0.5, 50, "multiple"), (101, 50, "multiple"),
                                                          (3, -1, "floor")])
def test_limits_out_of_range_are_refused_naming_the_field(multiple, floor, field):
    with pytest.raises(InvalidInput) as refused:
        SweepLimits(multiple=multiple, floor=floor)
    assert refused.value.field == field


def test_a_hold_keeps_its_history_through_storage():
    hold = new_hold("ten_1", AT, "volume_above_usual", 120, 118, {"threshold": 50, "average": 0.0})
    approved = hold.moved(APPROVED, AT + timedelta(minutes=5), "api_key:key_1")

    assert hold_from_stored("ten_1", hold_to_stored(approved)) == approved
    assert [entry["status"] for entry in approved.history] == [HELD, APPROVED]
    assert approved.history[-1]["actor"] == "api_key:key_1"


def test_finance_hears_counts_and_the_reason_with_no_account_and_no_link():
    hold = new_hold("ten_1", AT, "volume_above_usual", 120, 118, {"threshold": 50, "average": 0.0})
    event = sweep_held_event(hold)

    assert event["type"] == "sweep_held" and event["tenant_id"] == "ten_1" and event["account_id"] is None
    assert event["messages"] == 120 and event["threshold"] == 50 and event["hold_id"] == hold.hold_id
    assert "http" not in str(event)
    assert sweep_held_event(hold)["event_id"] == event["event_id"]  # a repeat can be dropped by the subscriber
