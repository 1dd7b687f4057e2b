"""A policy body (API.md) is read strictly: its shape, each step one kind, unknown fields named."""

from __future__ import annotations

import copy
import json

import pytest

from chalicelib.inputs.parsing import parse
from chalicelib.inputs.policies import PolicyIn
from tests.support.inputs import rejected
from tests.support.samples import POLICY

pytestmark = pytest.mark.unit


def test_the_api_md_policy_body_parses():
    parsed = parse(PolicyIn, json.dumps(POLICY))
    assert [s.offset_days for s in parsed.steps] == [-3, 1, 4, 10, 21, 35]
    assert parsed.steps[-1].action == "escalate"
    assert parsed.settlement.discount_percent == 10


def test_a_step_with_both_an_action_and_a_channel_is_refused():
    body = copy.deepcopy(POLICY)
    body["steps"][5] = {"offset_days": 35, "action": "escalate", "channel": "email"}
    assert rejected(PolicyIn, json.dumps(body)).field == "steps[5]"


def test_a_message_step_without_a_template_is_refused():
    body = copy.deepcopy(POLICY)
    body["steps"][0] = {"offset_days": -3, "channel": "email"}
    assert rejected(PolicyIn, json.dumps(body)).field == "steps[0]"


def test_an_unknown_policy_field_is_named():
    assert rejected(PolicyIn, json.dumps({**POLICY, "max_steps": 9})).field == "max_steps"


def test_early_heads_up_is_optional_and_its_limits_are_named():
    assert parse(PolicyIn, json.dumps(POLICY)).early_heads_up is None
    parsed = parse(PolicyIn, json.dumps({**POLICY, "early_heads_up": {"days_before": 7}}))
    assert parsed.early_heads_up is not None
    assert (parsed.early_heads_up.days_before, parsed.early_heads_up.when_late_payments) == (7, 2)
    for setting, field in (({"days_before": 0}, "early_heads_up.days_before"),
                           ({"when_late_payments": 4}, "early_heads_up.when_late_payments"),
                           ({"days": 3}, "early_heads_up.days")):
        assert rejected(PolicyIn, json.dumps({**POLICY, "early_heads_up": setting})).field == field
