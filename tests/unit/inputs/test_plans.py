"""Plan requests and promises to pay (API.md) are read strictly: their shape, unknown fields named."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.plans import PlanRequest
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.plans import PlanRequestIn, PromiseIn
from tests.support.inputs import rejected

pytestmark = pytest.mark.unit


def test_the_api_md_plan_request_reads_into_the_domain_s_request():
    parsed = parse(PlanRequestIn, '{"frequency": "weekly", "instalments": 3, "first_on": "2026-12-05", '
                                  '"currency": "EUR"}')
    assert parsed.to_domain() == PlanRequest("weekly", 3, date(2026, 12, 5), "EUR")
    assert parse(PlanRequestIn, {"frequency": "last_working_day", "instalments": 2,
                                 "first_on": "2026-12-05"}).to_domain().currency is None


@pytest.mark.parametrize(("body", "field"), [
    ('{"frequency": "daily", "instalments": 3, "first_on": "2026-12-05"}', "frequency"),
    ('{"frequency": "weekly", "instalments": "3", "first_on": "2026-12-05"}', "instalments"),
    ('{"frequency": "weekly", "instalments": 0, "first_on": "2026-12-05"}', "instalments"),
    ('{"frequency": "weekly", "instalments": 3, "first_on": "5/12/2026"}', "first_on"),
    ('{"frequency": "weekly", "instalments": 3, "first_on": "2026-12-05", "currency": "EURO"}', "currency"),
    ('{"frequency": "weekly", "instalments": 3, "first_on": "2026-12-05", "interest": 0}', "interest"),
    ('{"frequency": "weekly", "instalments": 3}', "first_on"),
])
def test_a_malformed_plan_request_is_refused_naming_the_field(body, field):
    assert rejected(PlanRequestIn, body).field == field


def test_a_promise_reads_and_a_malformed_one_is_refused_naming_the_field():
    parsed = parse(PromiseIn, '{"amount": 5000, "currency": "EUR", "by": "2026-12-15"}')
    assert (parsed.amount, parsed.currency, parsed.by) == (5000, "EUR", date(2026, 12, 15))
    assert rejected(PromiseIn, '{"amount": 0, "currency": "EUR", "by": "2026-12-15"}').field == "amount"
    assert rejected(PromiseIn, '{"amount": 1.5, "currency": "EUR", "by": "2026-12-15"}').field == "amount"
    assert rejected(PromiseIn, '{"amount": 5, "currency": "XAU", "by": "2026-12-15"}').field == "currency"
    assert rejected(PromiseIn, '{"amount": 5, "currency": "EUR", "by": "2026-12-15", "on": 1}').field == "on"
    assert rejected(PromiseIn, '{"amount": 5, "currency": "EUR"}').field == "by"
