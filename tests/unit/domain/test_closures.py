"""Days the tenant excludes (domain.closures): the guard defers past them like a public holiday, naming the
tenant's setting, and decide() reads them from the calendar it is given."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec.structs import replace

from chalicelib.domain import decision as decisions
from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.closures import cited_setting, excluded_days, with_excluded_days
from chalicelib.domain.courtesy import TENANT_CLOSED, Defer, GuardInput, evaluate, evaluate_receipt
from chalicelib.domain.decision import decide
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.schedule import refresh_schedule

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")


def madrid(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MADRID)


def guard(when: datetime, *closed: date, holiday: date | None = None) -> GuardInput:
    return GuardInput(at=when, channel="email", zones=("Europe/Madrid",), balance={"EUR": 4900}, holding_flags=(),
                      address="ana@example.com", window=STANDARD.send_window, caps=STANDARD.caps,
                      is_holiday=lambda day: day == holiday, excluded_days=frozenset(closed))


def no_holidays(_country, _region):
    return lambda _day: False


def test_a_day_the_tenant_excludes_defers_to_the_next_open_day_citing_the_setting():
    # Thursday 24 and 31 December excluded, Friday 25th a public holiday: Saturday 26th at the window's opening
    decision = evaluate(guard(madrid(12, 24, 10), date(2026, 12, 24), date(2026, 12, 31), holiday=date(2026, 12, 25)))
    assert decision == Defer(TENANT_CLOSED, madrid(12, 26, 9))


def test_consecutive_excluded_days_are_all_skipped():
    decision = evaluate(guard(madrid(12, 28, 10), date(2026, 12, 28), date(2026, 12, 29), date(2026, 12, 30)))
    assert decision == Defer(TENANT_CLOSED, madrid(12, 31, 9))


def test_a_public_holiday_on_an_excluded_day_is_named_as_the_holiday():
    decision = evaluate(guard(madrid(12, 8, 10), date(2026, 12, 8), holiday=date(2026, 12, 8)))
    assert decision == Defer("public_holiday", madrid(12, 9, 9))


def test_the_evening_before_an_excluded_day_defers_past_it():
    decision = evaluate(guard(madrid(12, 23, 20), date(2026, 12, 24)))  # after the window closes at 19:00
    assert decision == Defer("outside_send_window", madrid(12, 25, 9))


def test_a_thank_you_is_a_receipt_and_not_held_by_a_closure():
    assert not isinstance(evaluate_receipt(guard(madrid(12, 24, 10), date(2026, 12, 24))), Defer)


@given(start=st.integers(0, 60), hour=st.integers(0, 23),
       closed=st.sets(st.integers(0, 70).map(lambda n: date(2026, 11, 1) + timedelta(days=n)), max_size=20))
def test_a_deferral_never_lands_on_an_excluded_day(start, hour, closed):
    when = madrid(11, 1, hour) + timedelta(days=start)
    decision = evaluate(guard(when, *closed))
    if isinstance(decision, Defer):
        assert decision.until.astimezone(MADRID).date() not in closed
    else:
        assert when.date() not in closed


def test_decide_reads_the_tenants_days_from_the_calendar_it_is_given():
    account = Account(tenant_id="t1", account_id="a1", name="Ana", locale="es-ES", policy="standard",
                      email="ana@example.com", timezone="Europe/Madrid", country="ES",
                      invoices=[Invoice("INV-1", 4900, "EUR", date(2026, 11, 1), date(2026, 11, 15))])
    refresh_schedule(account, STANDARD)
    calendar = with_excluded_days(no_holidays, [date(2026, 11, 12)])  # the -3 heads-up's day
    assert excluded_days(calendar) == {date(2026, 11, 12)} and excluded_days(no_holidays) == frozenset()
    assert with_excluded_days(no_holidays, []) is no_holidays

    decision = decide(replace(account), STANDARD, madrid(11, 12, 10), calendar)
    assert isinstance(decision, decisions.Defer)
    assert (decision.rule, decision.until) == (TENANT_CLOSED, madrid(11, 13, 9))
    assert cited_setting(decision.rule) == {"tenant_setting": "excluded_days"}
    assert cited_setting("public_holiday") == {}
