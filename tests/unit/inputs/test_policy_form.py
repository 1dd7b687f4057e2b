"""The console's policy editor form (inputs/policy_form.py): a stored policy shown in fields and posted back
unchanged is the same policy; rows added and removed; an error's path named as the field it belongs to."""

from __future__ import annotations

import pytest

from chalicelib.inputs.policy_form import (
    body_of,
    fields_of,
    form_field,
    with_empty_row,
    without_blank_rows,
    without_row,
)
from chalicelib.services.policies import PolicyService
from tests.fakes import FakePolicies
from tests.support import samples

pytestmark = pytest.mark.unit

TEMPLATES = {"email": {"heads_up", "gentle_reminder", "plan_offer", "can_we_help"}, "sms": {"sms_nudge"}}


def build(body):
    return PolicyService(FakePolicies(), clock=None, templates=lambda: TEMPLATES).build("gentle", body)  # type: ignore[arg-type]


@pytest.mark.parametrize("changes", [
    {},
    {"segment": {"priority": 2, "min_balance": 500, "max_balance": 90000, "tags": ["smb"], "countries": ["ES"]},
     "early_heads_up": {"days_before": 4, "when_late_payments": 1}, "require_approval_first_run": True},
    {"settlement": None, "plans": {"max_instalments": 3, "min_instalment": 0, "frequencies": []},
     "steps": [{"offset_days": 1, "channel": "email", "template": "gentle_reminder"}]},
])
def test_a_policy_shown_in_the_form_and_posted_back_unchanged_is_the_same_policy(changes):
    policy = build({**samples.POLICY, **changes})

    assert build(body_of(fields_of(policy))) == policy


def test_the_form_as_posted_reads_back_the_same_as_the_policy():
    policy = build(samples.POLICY)
    shown = fields_of(policy)
    posted = {f"steps[{i}].{k}": v for i, row in enumerate(shown["steps"]) for k, v in row.items()}
    posted |= {**shown["values"], "csrf": "token", "do": "save"}

    from chalicelib.inputs.policy_form import fields_from_form

    assert fields_from_form(posted) == shown


def test_rows_are_added_empty_removed_by_index_and_blank_ones_are_not_steps():
    shown = fields_of(build(samples.POLICY))

    grown = with_empty_row(shown)
    assert len(grown["steps"]) == 7 and grown["steps"][-1] == {"offset_days": "", "kind": "email", "template": ""}
    assert without_blank_rows(grown) == shown
    shrunk = without_row(shown, 0)
    assert [row["template"] for row in shrunk["steps"]][:2] == ["gentle_reminder", "sms_nudge"]


def test_blank_numbers_take_the_apis_defaults_and_typed_text_is_passed_on_for_the_model_to_name():
    shown = fields_of(build(samples.POLICY))
    values = {**shown["values"], "hardship_pause_days": "", "caps.per_day": "one", "segment.max_balance": ""}

    body = body_of({**shown, "values": values})

    assert "hardship_pause_days" not in body and "max_balance" not in body["segment"]
    assert body["caps"]["per_day"] == "one"


@pytest.mark.parametrize(("path", "field"), [
    ("steps[2].channel", "steps[2].kind"), ("steps[2].action", "steps[2].kind"), ("steps[1]", "steps[1]"),
    ("steps[0].offset_days", "steps[0].offset_days"), ("segment.tags[3]", "segment.tags"),
    ("send_window.weekdays[0]", "send_window.weekdays"), ("caps.per_day", "caps.per_day"), (None, ""),
])
def test_an_errors_path_names_the_form_field_it_is_shown_beside(path, field):
    assert form_field(path) == field
