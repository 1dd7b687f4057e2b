"""Payment plans by example: each frequency's dates and amounts, short months and leap years, the debtor's
public holidays and local day across DST changes, the policy's limits, and a plan's life as money comes in."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.adapters.holiday_calendar import holiday_checker
from chalicelib.domain import plans as p
from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.policies import STANDARD

TODAY = date(2026, 12, 5)  # a Saturday
CREATED = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
ALL = p.PlanLimits(max_instalments=12, min_instalment=100, frequencies=p.FREQUENCIES, max_months=12)


def quoted(frequency: str, count: int, first_on: date, owed: dict[str, int] | None = None, today: date = TODAY,
           limits: p.PlanLimits = ALL, is_holiday: p.IsHoliday = lambda _d: False,
           currency: str | None = None) -> p.Quote:
    return p.quote(p.PlanRequest(frequency, count, first_on, currency), owed or {"EUR": 10000}, limits, today,
                   is_holiday)


def dates(q: p.Quote) -> list[str]:
    return [inst.due_on.isoformat() for inst in q.instalments]


def amounts(q: p.Quote) -> list[int]:
    return [inst.amount for inst in q.instalments]


def refused(field: str, **kwargs: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        quoted(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    return caught.value


# --- each frequency --------------------------------------------------------------------------------------

def test_weekly_instalments_fall_on_first_on_s_weekday_with_the_odd_cent_first():
    q = quoted(p.WEEKLY, 3, date(2026, 12, 7))
    assert dates(q) == ["2026-12-07", "2026-12-14", "2026-12-21"]
    assert amounts(q) == [3334, 3333, 3333]
    assert q.to_dict() == {"currency": "EUR", "total": 10000, "instalments": [
        {"n": 1, "due_on": "2026-12-07", "amount": 3334},
        {"n": 2, "due_on": "2026-12-14", "amount": 3333},
        {"n": 3, "due_on": "2026-12-21", "amount": 3333}]}


def test_fortnightly_instalments_run_into_the_new_year():
    q = quoted(p.FORTNIGHTLY, 4, date(2026, 12, 10), owed={"EUR": 10003})
    assert dates(q) == ["2026-12-10", "2026-12-24", "2027-01-07", "2027-01-21"]
    assert amounts(q) == [2501, 2501, 2501, 2500]


def test_monthly_on_the_31st_clamps_to_february_and_returns_to_the_31st():
    q = quoted(p.MONTHLY, 4, date(2027, 1, 31), today=date(2027, 1, 20))
    assert dates(q) == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]


def test_monthly_in_a_leap_year_falls_on_february_29():
    q = quoted(p.MONTHLY, 3, date(2028, 1, 31), today=date(2028, 1, 20))
    assert dates(q) == ["2028-01-31", "2028-02-29", "2028-03-31"]


def test_monthly_on_the_30th_keeps_the_30th_after_february():
    q = quoted(p.MONTHLY, 3, date(2027, 1, 30), today=date(2027, 1, 20))
    assert dates(q) == ["2027-01-30", "2027-02-28", "2027-03-30"]


def test_last_working_day_skips_weekends_and_madrid_s_holidays():
    # 31 Jan and 28 Feb 2027 are Sundays; 31 Dec 2026 is a Thursday.
    q = quoted(p.LAST_WORKING_DAY, 3, TODAY, is_holiday=holiday_checker("ES", "MD"))
    assert dates(q) == ["2026-12-31", "2027-01-29", "2027-02-26"]


def test_last_working_day_skips_a_public_holiday_at_the_end_of_the_month():
    # Memorial Day is Monday 31 May 2027 in the United States.
    q = quoted(p.LAST_WORKING_DAY, 2, date(2027, 5, 1), today=date(2027, 5, 1), is_holiday=holiday_checker("US", None))
    assert dates(q) == ["2027-05-28", "2027-06-30"]


def test_last_working_day_follows_the_debtor_s_region():
    # Reformation Day (31 October) is a holiday in Saxony, not in Bavaria.
    saxony = p.due_dates(p.LAST_WORKING_DAY, date(2029, 10, 1), holiday_checker("DE", "SN"))
    bavaria = p.due_dates(p.LAST_WORKING_DAY, date(2029, 10, 1), holiday_checker("DE", "BY"))
    assert next(saxony) == date(2029, 10, 30)
    assert next(bavaria) == date(2029, 10, 31)


def test_last_working_day_starts_next_month_when_this_month_s_has_passed():
    q = quoted(p.LAST_WORKING_DAY, 2, date(2027, 1, 30), today=date(2027, 1, 30))
    assert dates(q) == ["2027-02-26", "2027-03-31"]


def test_a_calendar_without_working_days_is_refused_rather_than_searched_for_ever():
    refused("frequency", frequency=p.LAST_WORKING_DAY, count=2, first_on=TODAY, is_holiday=lambda _d: True)


def test_yen_and_kuwaiti_dinar_split_in_their_own_minor_units():
    yen = quoted(p.WEEKLY, 3, TODAY, owed={"JPY": 10000})
    dinar = quoted(p.WEEKLY, 3, TODAY, owed={"KWD": 10001})  # 10.001 KWD, in fils
    assert (yen.currency, amounts(yen)) == ("JPY", [3334, 3333, 3333])
    assert (dinar.currency, amounts(dinar)) == ("KWD", [3334, 3334, 3333])


# --- the debtor's local day, across DST changes ----------------------------------------------------------

def account_in(zone: str, country: str) -> Account:
    return Account("t_1", "acct-1", "Ana", "es-ES", "standard", timezone=zone, country=country,
                   invoices=[Invoice("INV-1", 24000, "EUR", date(2026, 1, 1), date(2026, 2, 1))])


@pytest.mark.parametrize(("zone", "at", "local_today"), [
    # Madrid moves to summer time at 01:00 UTC on 28 March 2027 and back at 01:00 UTC on 25 October 2026.
    ("Europe/Madrid", datetime(2027, 3, 27, 23, 30, tzinfo=UTC), date(2027, 3, 28)),
    ("Europe/Madrid", datetime(2026, 10, 24, 22, 30, tzinfo=UTC), date(2026, 10, 25)),
    # New York moves at 07:00 UTC on 14 March 2027 and back at 06:00 UTC on 1 November 2026.
    ("America/New_York", datetime(2027, 3, 14, 4, 30, tzinfo=UTC), date(2027, 3, 13)),
    ("America/New_York", datetime(2026, 11, 1, 4, 30, tzinfo=UTC), date(2026, 11, 1)),
])
def test_first_on_is_checked_against_the_debtor_s_own_day_on_a_dst_change(zone, at, local_today):
    account, request = account_in(zone, "US"), p.PlanRequest(p.WEEKLY, 3, local_today)
    q = p.quote_for_account(request, account, STANDARD, at)
    assert q.instalments[0].due_on == local_today
    with pytest.raises(InvalidInput) as caught:
        p.quote_for_account(p.PlanRequest(p.WEEKLY, 3, date.fromordinal(local_today.toordinal() - 1)),
                            account, STANDARD, at)
    assert caught.value.field == "first_on"


@pytest.mark.parametrize("first_on", [date(2027, 3, 22), date(2026, 10, 19), date(2027, 3, 8), date(2026, 10, 26)])
def test_weekly_dates_across_a_dst_week_keep_their_weekday(first_on):
    q = quoted(p.WEEKLY, 4, first_on, today=first_on)
    assert {inst.due_on.weekday() for inst in q.instalments} == {first_on.weekday()}
    assert [(b.due_on - a.due_on).days for a, b in zip(q.instalments, q.instalments[1:], strict=False)] == [7] * 3


# --- the policy's limits --------------------------------------------------------------------------------

STANDARD_LIMITS = p.PlanLimits.of(STANDARD)


def test_the_standard_policy_s_limits_and_defaults_for_a_policy_without_them():
    assert STANDARD_LIMITS.grace_days == 3 and STANDARD_LIMITS.max_months == 6
    old = p.PlanLimits.of(type(STANDARD)(name="old", steps=STANDARD.steps,
                                        plans={"max_instalments": 4, "min_instalment": 500}))
    assert (old.max_instalments, old.min_instalment, old.max_months, old.grace_days) == (4, 500, 12, 3)


def test_a_frequency_the_policy_does_not_offer_is_refused():
    limits = p.PlanLimits(frequencies=(p.WEEKLY, p.MONTHLY))
    assert "weekly, monthly" in refused("frequency", frequency=p.FORTNIGHTLY, count=3, first_on=TODAY,
                                        limits=limits).message
    refused("frequency", frequency="daily", count=3, first_on=TODAY)


@pytest.mark.parametrize("count", [0, 1, 13])
def test_a_count_outside_the_limits_is_refused(count):
    refused("instalments", frequency=p.WEEKLY, count=count, first_on=TODAY)


def test_instalments_below_the_minimum_are_refused_and_the_message_says_how_many_fit():
    error = refused("instalments", frequency=p.WEEKLY, count=6, first_on=TODAY, owed={"EUR": 5000},
                    limits=STANDARD_LIMITS)
    assert "at most 5 instalments" in error.message
    error = refused("instalments", frequency=p.WEEKLY, count=2, first_on=TODAY, owed={"EUR": 1500},
                    limits=STANDARD_LIMITS)
    assert "too small" in error.message


def test_first_on_in_the_past_or_beyond_max_months_is_refused():
    refused("first_on", frequency=p.WEEKLY, count=2, first_on=date(2026, 12, 4))
    refused("first_on", frequency=p.WEEKLY, count=2, first_on=date(2027, 6, 6), limits=STANDARD_LIMITS)
    assert dates(quoted(p.WEEKLY, 2, date(2027, 5, 29), limits=STANDARD_LIMITS))[0] == "2027-05-29"


def test_a_last_instalment_beyond_max_months_is_refused_naming_instalments():
    error = refused("instalments", frequency=p.MONTHLY, count=6, first_on=date(2027, 1, 6), limits=STANDARD_LIMITS)
    assert "2027-06-06" in error.message
    assert dates(quoted(p.MONTHLY, 6, date(2027, 1, 5), limits=STANDARD_LIMITS))[-1] == "2027-06-05"


def test_the_currency_must_be_owed_and_named_when_several_are():
    refused("currency", frequency=p.WEEKLY, count=2, first_on=TODAY, currency="USD")
    refused("currency", frequency=p.WEEKLY, count=2, first_on=TODAY, owed={"EUR": 5000, "USD": 5000})
    refused("currency", frequency=p.WEEKLY, count=2, first_on=TODAY, owed={"EUR": 0})
    q = quoted(p.WEEKLY, 2, TODAY, owed={"EUR": 5000, "USD": 7000, "GBP": 0}, currency="USD")
    assert (q.currency, q.total) == ("USD", 7000)
    assert quoted(p.WEEKLY, 2, TODAY, owed={"EUR": 0, "GBP": 4000}).currency == "GBP"


# --- a plan's life -------------------------------------------------------------------------------------

def a_plan(total: int = 9000, count: int = 3) -> p.Plan:
    q = quoted(p.WEEKLY, count, date(2026, 12, 7), owed={"EUR": total})
    return p.start_plan(q, p.WEEKLY, "debtor", CREATED)


def statuses(plan: p.Plan) -> list[tuple[int, str]]:
    return [(inst.paid, inst.status) for inst in plan.instalments]


def test_a_plan_has_api_md_s_shape_and_reads_back():
    plan = a_plan()
    assert plan.to_dict() == {
        "status": "active", "currency": "EUR", "total": 9000, "frequency": "weekly", "created_by": "debtor",
        "created_at": "2026-12-05T10:00:00Z",
        "instalments": [{"n": n, "due_on": day, "amount": 3000, "paid": 0, "status": "due"}
                        for n, day in ((1, "2026-12-07"), (2, "2026-12-14"), (3, "2026-12-21"))]}
    assert p.Plan.from_dict(plan.to_dict()) == plan


def test_a_plan_made_by_someone_unknown_is_refused():
    with pytest.raises(ValueError, match="created_by"):
        p.start_plan(quoted(p.WEEKLY, 2, TODAY), p.WEEKLY, "robot", CREATED)


def test_a_partial_payment_goes_to_the_earliest_instalment_and_the_rest_to_the_next():
    plan, left = p.apply_payment(a_plan(), 2000)
    assert left == 0 and statuses(plan) == [(2000, "due"), (0, "due"), (0, "due")]
    plan, left = p.apply_payment(plan, 1500)
    assert left == 0 and statuses(plan) == [(3000, "paid"), (500, "due"), (0, "due")]
    assert plan.next_due() == plan.instalments[1] and plan.status == "active"


def test_an_over_payment_completes_the_plan_and_hands_back_the_excess():
    plan, left = p.apply_payment(a_plan(), 10000)
    assert (plan.status, left, plan.paid, plan.next_due()) == ("completed", 1000, 9000, None)
    again, more = p.apply_payment(plan, 50)
    assert (again, more) == (plan, 50)


def test_a_refund_reopens_the_latest_instalments_and_a_completed_plan_is_active_again():
    plan, _ = p.apply_payment(a_plan(), 9000)
    plan, not_ours = p.refund(plan, 4000)
    assert not_ours == 0 and plan.status == "active"
    assert statuses(plan) == [(3000, "paid"), (2000, "due"), (0, "due")]
    plan, not_ours = p.refund(plan, 6000)
    assert not_ours == 1000 and plan.paid == 0


def test_an_instalment_is_missed_only_after_the_grace_days_and_the_second_miss_breaks_the_plan():
    plan = a_plan()
    assert p.mark_missed(plan, date(2026, 12, 10), grace_days=3) == plan  # 7 Dec + 3: still in grace
    plan = p.mark_missed(plan, date(2026, 12, 11), grace_days=3)
    assert (plan.status, statuses(plan)[0]) == ("active", (0, "missed"))
    plan = p.mark_missed(plan, date(2026, 12, 18), grace_days=3)
    assert plan.status == "broken" and [s for _, s in statuses(plan)] == ["missed", "missed", "due"]
    assert p.apply_payment(plan, 3000) == (plan, 3000)  # a broken plan takes no more money
    assert p.refund(plan, 3000) == (plan, 3000)


def test_catching_up_on_a_missed_instalment_pays_it_and_a_later_miss_does_not_break_the_plan():
    plan = p.mark_missed(a_plan(), date(2026, 12, 11), grace_days=3)
    plan, _ = p.apply_payment(plan, 2000)
    assert statuses(plan)[0] == (2000, "missed")  # in part: still missed
    plan, _ = p.apply_payment(plan, 1000)
    assert statuses(plan)[0] == (3000, "paid")
    plan = p.mark_missed(plan, date(2026, 12, 18), grace_days=3)
    assert plan.status == "active" and statuses(plan)[1] == (0, "missed")


def test_an_early_payment_of_every_instalment_completes_the_plan_before_its_dates():
    plan, _ = p.apply_payment(a_plan(), 9000)
    assert p.mark_missed(plan, date(2027, 6, 1), grace_days=3).status == "completed"


def test_cancelling_an_active_plan_and_again_is_fine_but_an_ended_plan_cannot_be_cancelled():
    cancelled = p.cancel(a_plan())
    assert cancelled.status == "cancelled" and p.cancel(cancelled) == cancelled
    completed, _ = p.apply_payment(a_plan(), 9000)
    with pytest.raises(Conflict):
        p.cancel(completed)


def test_negative_money_is_a_programming_error_not_a_payment():
    with pytest.raises(ValueError):
        p.apply_payment(a_plan(), -1)
    with pytest.raises(ValueError):
        p.refund(a_plan(), -1)
