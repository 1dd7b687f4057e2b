"""Promises to pay: what may be promised, how long reminders wait for it, and when payments keep it or time
breaks it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain import promises as pr
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.policies import STANDARD, Policy

TODAY = date(2026, 12, 5)
AT = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
LIMITS = pr.PromiseLimits(max_days=30, grace_days=3)
OWED = {"EUR": 10000, "USD": 0}


def promise(amount: int = 5000, currency: str = "EUR", by: date = date(2026, 12, 15),
            current: pr.Promise | None = None) -> pr.Promise:
    return pr.make_promise(amount, currency, by, OWED, TODAY, LIMITS, current, AT)


def refused(field: str, **kwargs: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        promise(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_promise_within_the_limits_is_open_and_has_its_shape():
    made = promise()
    assert made.to_dict() == {"amount": 5000, "currency": "EUR", "by": "2026-12-15",
                              "created_at": "2026-12-05T10:00:00Z", "paid": 0, "status": "open"}
    assert pr.Promise.from_dict(made.to_dict()) == made
    assert promise(10000, by=TODAY).by == TODAY and promise(by=date(2027, 1, 4)).by == date(2027, 1, 4)


@pytest.mark.parametrize(("field", "kwargs"), [
    ("amount", {"amount": 0}),
    ("amount", {"amount": -5}),
    ("amount", {"amount": 10001}),
    ("currency", {"currency": "USD"}),
    ("currency", {"currency": "GBP"}),
    ("by", {"by": date(2026, 12, 4)}),
    ("by", {"by": date(2027, 1, 5)}),  # today + 31 days
])
def test_a_promise_outside_the_limits_is_refused_naming_the_field(field, kwargs):
    refused(field, **kwargs)


def test_only_one_promise_is_open_at_a_time():
    with pytest.raises(Conflict):
        promise(current=promise())
    kept = pr.apply_payment(promise(), 5000, "EUR", TODAY, 3)
    broken = pr.lapse(promise(), date(2026, 12, 19), 3)
    assert promise(current=kept).status == promise(current=broken).status == "open"


def test_reminders_wait_until_the_date_plus_the_grace_days():
    made = promise()
    assert made.paused_until(3) == date(2026, 12, 18)
    assert made.holds_on(TODAY, 3) and made.holds_on(date(2026, 12, 18), 3)
    assert not made.holds_on(date(2026, 12, 19), 3)
    assert not pr.apply_payment(made, 5000, "EUR", TODAY, 3).holds_on(TODAY, 3)  # kept: nothing to wait for


def test_payments_in_its_currency_keep_it_in_one_or_several_goes():
    made = pr.apply_payment(promise(), 3000, "EUR", date(2026, 12, 10), 3)
    assert (made.paid, made.status) == (3000, "open")
    assert pr.apply_payment(made, 9999, "USD", date(2026, 12, 10), 3) == made
    made = pr.apply_payment(made, 2000, "EUR", date(2026, 12, 18), 3)  # on the last day of grace
    assert (made.paid, made.status) == (5000, "kept")
    assert pr.apply_payment(made, 100, "EUR", date(2026, 12, 18), 3) == made


def test_an_unkept_promise_breaks_after_the_grace_days_and_late_money_does_not_mend_it():
    made = pr.apply_payment(promise(), 3000, "EUR", date(2026, 12, 10), 3)
    assert pr.lapse(made, date(2026, 12, 18), 3) == made
    broken = pr.lapse(made, date(2026, 12, 19), 3)
    assert broken.status == "broken" and not broken.holds_on(date(2026, 12, 19), 3)
    assert pr.apply_payment(broken, 2000, "EUR", date(2026, 12, 19), 3) == broken
    assert pr.apply_payment(made, 2000, "EUR", date(2026, 12, 19), 3) == made  # too late, even before lapse


def test_the_limits_come_from_the_policy_with_defaults_for_an_older_one():
    assert pr.PromiseLimits.of(STANDARD) == pr.PromiseLimits(30, 3)
    old = Policy(name="old", steps=STANDARD.steps, plans={"grace_days": 5})
    assert pr.PromiseLimits.of(old) == pr.PromiseLimits(30, 5)
