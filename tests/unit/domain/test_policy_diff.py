"""Two versions of a policy compared for a person (domain/policy_diff.py)."""

from __future__ import annotations

import pytest
from msgspec.structs import replace

from chalicelib.domain.policies import STANDARD, Caps, Step
from chalicelib.domain.policy_diff import ADDED, CHANGED, REMOVED, SAME, diff

pytestmark = pytest.mark.unit

OLD = replace(STANDARD, name="gentle", version=1)


def test_the_same_policy_has_no_differences():
    result = diff(OLD, replace(OLD, version=2))

    assert result.unchanged and result.settings == ()
    assert {row.change for row in result.steps} == {SAME}


def test_an_inserted_step_is_one_added_row_and_the_later_steps_stay_the_same():
    steps = (*OLD.steps[:2], Step(2, "email", "can_we_help"), *OLD.steps[2:])

    rows = diff(OLD, replace(OLD, version=2, steps=steps)).steps

    assert [row.change for row in rows] == [SAME, SAME, ADDED] + [SAME] * (len(OLD.steps) - 2)
    assert rows[2].after == "day +2 · email · can_we_help" and rows[2].before == ""


def test_a_changed_step_and_a_removed_one_read_as_such():
    steps = (OLD.steps[0], Step(1, "email", "can_we_help"), *OLD.steps[2:-1])

    rows = diff(OLD, replace(OLD, version=2, steps=steps)).steps

    assert (rows[1].change, rows[1].before, rows[1].after) == (CHANGED, "day +1 · email · gentle_reminder",
                                                               "day +1 · email · can_we_help")
    assert (rows[-1].change, rows[-1].before) == (REMOVED, "day +35 · escalate")


def test_each_changed_setting_is_listed_with_both_values_and_unchanged_ones_are_not():
    new = replace(OLD, version=2, caps=Caps(2, 2, 1), segment={**OLD.segment, "countries": ["ES"]}, settlement={
        "discount_percent": 10, "valid_days": 7})

    result = diff(OLD, new)

    assert [(c.setting, c.before, c.after) for c in result.settings] == [
        ("caps.email_per_7d", "3", "2"), ("segment.countries", "[]", '["ES"]'),
        ("settlement.discount_percent", "(not set)", "10"),
        ("settlement.valid_days", "(not set)", "7")]
    assert (result.before, result.after) == (1, 2)
