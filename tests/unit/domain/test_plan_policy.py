"""A policy's limits for plans, settlement offers and promises: read strictly, with defaults for what an
older policy lacks, stored and read back whole."""

from __future__ import annotations

import copy
import json

import pytest

from chalicelib.adapters.dynamodb.mapping import body_to_policy, policy_to_body
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.policies import ESCALATE, STANDARD, Policy, Step, validate_policy
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.policies import PolicyIn
from tests.support.inputs import rejected
from tests.support.samples import POLICY


def with_(**parts: object) -> str:
    body = copy.deepcopy(POLICY)
    body.update(parts)
    return json.dumps(body)


def test_an_older_body_gets_the_new_limits_defaults():
    parsed = parse(PolicyIn, json.dumps(POLICY))
    assert (parsed.plans.max_months, parsed.plans.grace_days) == (12, 3)
    assert parsed.settlement.offer_after_days == 30
    assert parsed.promise.max_days == 30


def test_the_new_limits_are_read():
    parsed = parse(PolicyIn, with_(
        plans={"max_instalments": 4, "min_instalment": 500, "frequencies": ["last_working_day"], "max_months": 4,
               "grace_days": 5},
        settlement={"discount_percent": 20, "valid_days": 14, "offer_after_days": 45},
        promise={"max_days": 14}))
    assert parsed.plans.model_dump() == {"max_instalments": 4, "min_instalment": 500,
                                         "frequencies": ["last_working_day"], "max_months": 4, "grace_days": 5,
                                         "heads_up_days": 3}
    assert (parsed.settlement.offer_after_days, parsed.promise.max_days) == (45, 14)


@pytest.mark.parametrize(("part", "field"), [
    ({"plans": {"max_months": 0}}, "plans.max_months"),
    ({"plans": {"max_months": 37}}, "plans.max_months"),
    ({"plans": {"grace_days": -1}}, "plans.grace_days"),
    ({"plans": {"grace_days": 15}}, "plans.grace_days"),
    ({"plans": {"frequencies": ["daily"]}}, "plans.frequencies[0]"),
    ({"plans": {"interest_percent": 5}}, "plans.interest_percent"),
    ({"settlement": {"discount_percent": 10, "valid_days": 7, "offer_after_days": -1}},
     "settlement.offer_after_days"),
    ({"promise": {"max_days": 0}}, "promise.max_days"),
    ({"promise": {"max_days": 91}}, "promise.max_days"),
    ({"promise": {"max_days": 10, "min_days": 1}}, "promise.min_days"),
])
def test_a_limit_out_of_range_or_unknown_is_refused_naming_it(part, field):
    assert rejected(PolicyIn, with_(**part)).field == field


def test_a_frequency_listed_twice_is_refused():
    policy = Policy("p", (Step(-3, "email", "heads_up"), Step(35, action=ESCALATE)),
                    plans={"frequencies": ["weekly", "weekly"]})
    with pytest.raises(InvalidInput) as caught:
        validate_policy(policy, {"email": {"heads_up"}, "sms": set()})
    assert caught.value.field == "plans.frequencies"


def test_the_standard_policy_offers_every_payday_and_its_promise_limit_is_stored_and_read_back():
    assert "last_working_day" in STANDARD.plans["frequencies"]
    stored = body_to_policy("standard", 0, json.loads(json.dumps(policy_to_body(STANDARD))))
    assert stored == STANDARD


def test_a_policy_stored_before_promises_reads_with_no_promise_limits_of_its_own():
    body = policy_to_body(STANDARD)
    del body["promise"]
    assert body_to_policy("old", 3, body).promise == {}


def test_a_policy_may_offer_no_plans_with_an_empty_list_of_frequencies():
    from chalicelib.domain.offers import policy_allows_plans

    parsed = parse(PolicyIn, with_(plans={"frequencies": []}))
    assert parsed.plans.frequencies == [] and not policy_allows_plans(parsed.plans.model_dump())
