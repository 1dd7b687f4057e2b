"""The rules a policy must keep once read (domain.policies.validate_policy): templates that exist, steps in
order, a decent send window, caps no looser than the defaults."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.policies import ESCALATE, STANDARD, Caps, Policy, SendWindow, Step, validate_policy

pytestmark = pytest.mark.unit


TEMPLATES = {"email": {"heads_up"}, "sms": set()}


def policy(*steps: Step, **changes: Any) -> Policy:
    """A valid two-step policy unless told otherwise."""
    return Policy("p", steps or (Step(-3, "email", "heads_up"), Step(35, action=ESCALATE)), **changes)


def invalid_policy(pol: Policy) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        validate_policy(pol, TEMPLATES)
    return caught.value


def test_a_sound_policy_validates():
    validate_policy(policy(), TEMPLATES)


def test_an_unknown_email_template_is_refused_naming_the_step():
    error = invalid_policy(policy(Step(-3, "email", "heads_up"), Step(1, "email", "threatening_letter")))
    assert error.field == "steps[1].template"


def test_an_sms_step_without_any_sms_template_is_refused():
    error = invalid_policy(policy(Step(-3, "email", "heads_up"), Step(4, "sms", "sms_nudge")))
    assert error.field == "steps[1].template"


def test_steps_out_of_order_are_refused():
    error = invalid_policy(policy(Step(35, action=ESCALATE), Step(-3, "email", "heads_up")))
    assert error.field == "steps"


def test_a_duplicate_step_is_refused():
    error = invalid_policy(policy(Step(-3, "email", "heads_up"), Step(-3, "email", "heads_up")))
    assert error.field == "steps[1]"


def test_a_policy_without_steps_is_refused():
    assert invalid_policy(Policy("p", ())).field == "steps"


@pytest.mark.parametrize(("start", "end"), [(time(10), time(10)), (time(12), time(10))])
def test_a_window_that_starts_at_or_after_its_end_is_refused(start, end):
    assert invalid_policy(policy(send_window=SendWindow(start, end))).field == "send_window"


@pytest.mark.parametrize(("start", "end"), [(time(5), time(7, 30)), (time(6), time(8)), (time(21), time(23))])
def test_a_window_outside_0800_2100_is_refused(start, end):
    assert invalid_policy(policy(send_window=SendWindow(start, end))).field == "send_window"


def test_a_window_without_weekdays_is_refused():
    assert invalid_policy(policy(send_window=SendWindow(weekdays=frozenset()))).field == "send_window.weekdays"


@pytest.mark.parametrize(("caps", "field"), [(Caps(email_per_7d=4), "caps.email_per_7d"),
                                             (Caps(sms_per_7d=3), "caps.sms_per_7d"),
                                             (Caps(per_day=2), "caps.per_day")])
def test_caps_above_the_defaults_are_refused(caps, field):
    assert invalid_policy(policy(caps=caps)).field == field


def test_caps_may_be_tightened_to_zero():
    validate_policy(policy(caps=Caps(email_per_7d=1, sms_per_7d=0, per_day=1)), TEMPLATES)


@pytest.mark.parametrize("days", [0, -1, 91])
def test_hardship_pause_outside_1_to_90_days_is_refused(days):
    assert invalid_policy(policy(hardship_pause_days=days)).field == "hardship_pause_days"


def test_the_built_in_standard_policy_passes_with_its_own_templates():
    templates = {"email": {s.template for s in STANDARD.steps if s.channel == "email"},
                 "sms": {s.template for s in STANDARD.steps if s.channel == "sms"}}
    validate_policy(STANDARD, templates)


def test_a_window_that_opens_after_the_last_sms_hour_is_refused_for_a_policy_with_sms():
    late = SendWindow(time(20, 0), time(21, 0))
    sms_policy = policy(Step(1, "sms", "sms_nudge"), send_window=late)
    with pytest.raises(InvalidInput) as caught:
        validate_policy(sms_policy, {**TEMPLATES, "sms": {"sms_nudge"}})
    assert caught.value.field == "send_window" and "SMS" in caught.value.message
