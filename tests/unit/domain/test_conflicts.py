"""The one conflict-retry rule: a lost race is tried again from a fresh read, a bounded number of times; any
other conflict is the operation's own answer and is raised at once."""

from __future__ import annotations

import pytest

from chalicelib.domain.conflicts import CONFLICT_TRIES, retry_on_conflict
from chalicelib.domain.errors import Conflict

pytestmark = pytest.mark.unit


def losing(times: int, field: str = "account"):
    calls: list[int] = []

    def operation() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise Conflict("changed meanwhile", field)
        return "done"

    return operation, calls


@pytest.mark.parametrize("field", ["account", "audit"])
def test_a_lost_race_is_tried_again_until_it_wins(field):
    operation, calls = losing(CONFLICT_TRIES - 1, field)
    assert retry_on_conflict(operation) == "done"
    assert len(calls) == CONFLICT_TRIES


def test_when_every_try_loses_the_last_conflict_is_raised_after_the_bounded_tries():
    operation, calls = losing(CONFLICT_TRIES)
    with pytest.raises(Conflict) as raised:
        retry_on_conflict(operation)
    assert raised.value.field == "account" and len(calls) == CONFLICT_TRIES


@pytest.mark.parametrize("field", ["state", "pause", "message", None])
def test_a_conflict_that_is_not_a_lost_race_is_raised_at_once(field):
    operation, calls = losing(1, field)
    with pytest.raises(Conflict):
        retry_on_conflict(operation)
    assert len(calls) == 1
