"""Properties of plans for any balance, currency exponent, request, holiday calendar and run of payments:
instalments sum exactly, the odd minor units go first, dates rise and never fall in the past, each frequency
keeps its payday, the policy's limits are never exceeded, and payments complete a plan exactly when the total
is paid."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from chalicelib.domain import plans as p
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import MAX_AMOUNT

CURRENCIES = ("JPY", "EUR", "KWD")  # ISO 4217 exponents 0, 2 and 3
CREATED = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2035, 12, 31))
amounts = st.integers(min_value=1, max_value=MAX_AMOUNT)
limits = st.builds(
    p.PlanLimits,
    max_instalments=st.integers(2, 24),
    min_instalment=st.integers(0, 100_000),
    frequencies=st.lists(st.sampled_from(p.FREQUENCIES), min_size=1, unique=True).map(tuple),
    max_months=st.integers(1, 36),
    grace_days=st.integers(0, 14),
)


@st.composite
def holidays_near(draw: st.DrawFn, today: date) -> frozenset[date]:
    """Holidays in the months after `today`, many of them in the last days of a month, where they move the
    last working day."""
    month_ends = [p.add_months(today, months, on_day=31) - timedelta(days=back)
                  for months, back in draw(st.lists(st.tuples(st.integers(0, 36), st.integers(0, 4)), max_size=30))]
    others = [today + timedelta(days=k) for k in draw(st.lists(st.integers(0, 1100), max_size=30))]
    return frozenset(month_ends + others)


def counts(limit: p.PlanLimits) -> st.SearchStrategy[int]:
    """Mostly within the policy's range, sometimes one either side of it."""
    within = st.integers(p.MIN_INSTALMENTS, limit.max_instalments)
    return within | within | within | st.sampled_from((p.MIN_INSTALMENTS - 1, limit.max_instalments + 1))


@st.composite
def requests(draw: st.DrawFn) -> tuple[p.PlanRequest, dict[str, int], p.PlanLimits, date, frozenset[date]]:
    limit = draw(limits)
    today = draw(days)
    first_on = today + timedelta(days=draw(st.integers(-5, 400)))
    currency = draw(st.sampled_from(CURRENCIES))
    owed = {currency: draw(amounts)}
    frequency = draw(st.sampled_from(limit.frequencies) | st.sampled_from(p.FREQUENCIES))
    request = p.PlanRequest(frequency, draw(counts(limit)), first_on,
                            draw(st.sampled_from((None, currency))))
    return request, owed, limit, today, draw(holidays_near(today))


@given(total=st.integers(0, MAX_AMOUNT), count=st.integers(1, 24))
def test_a_split_sums_exactly_and_puts_the_odd_minor_units_on_the_earliest(total, count):
    parts = p.split(total, count)
    assert sum(parts) == total and len(parts) == count
    assert parts == sorted(parts, reverse=True) and parts[0] - parts[-1] <= 1


@given(requests())
def test_a_quote_is_exact_in_order_on_the_payday_and_within_every_limit(case):
    request, owed, limit, today, holidays = case
    try:
        q = p.quote(request, owed, limit, today, holidays.__contains__)
    except InvalidInput as refusal:
        assert refusal.field in ("frequency", "instalments", "first_on")
        return
    assert_within_limits(q, request, owed, limit, today, holidays)


def assert_within_limits(q: p.Quote, request: p.PlanRequest, owed: dict[str, int], limit: p.PlanLimits,
                         today: date, holidays: frozenset[date]) -> None:
    currency, total = next(iter(owed.items()))
    due = [inst.due_on for inst in q.instalments]
    parts = [inst.amount for inst in q.instalments]
    # The money: exact, the odd minor units first, never below the minimum.
    assert (q.currency, q.total, sum(parts)) == (currency, total, total)
    assert parts == p.split(total, len(parts)) and min(parts) >= limit.min_instalment
    assert [inst.n for inst in q.instalments] == list(range(1, len(parts) + 1))
    # The limits.
    assert request.frequency in limit.frequencies
    assert p.MIN_INSTALMENTS <= len(parts) == request.instalments <= limit.max_instalments
    assert due[-1] <= p.add_months(today, limit.max_months)
    # The dates: strictly rising, never past, never before first_on, on the frequency's payday.
    assert due == sorted(set(due)) and due[0] >= request.first_on >= today
    if request.frequency in (p.WEEKLY, p.FORTNIGHTLY):
        step = 7 if request.frequency == p.WEEKLY else 14
        assert due[0] == request.first_on
        assert all((b - a).days == step for a, b in zip(due, due[1:], strict=False))
    elif request.frequency == p.MONTHLY:
        assert due[0] == request.first_on
        for day in due:
            assert day.day == min(request.first_on.day, calendar.monthrange(day.year, day.month)[1])
        assert len({(day.year, day.month) for day in due}) == len(due)
    else:
        for day in due:
            assert day.weekday() < 5 and day not in holidays
            later = [day + timedelta(days=i) for i in range(1, 31) if (day + timedelta(days=i)).month == day.month]
            assert all(d.weekday() >= 5 or d in holidays for d in later), "a later working day in the month"


@st.composite
def requests_within(draw: st.DrawFn) -> tuple[p.PlanRequest, dict[str, int], p.PlanLimits, date, frozenset[date]]:
    limit = draw(limits)
    count = draw(st.integers(p.MIN_INSTALMENTS, limit.max_instalments))
    today = draw(days)
    first_on = today + timedelta(days=draw(st.integers(0, 60)))
    total = draw(st.integers(max(count * limit.min_instalment, 1), MAX_AMOUNT))
    request = p.PlanRequest(draw(st.sampled_from(limit.frequencies)), count, first_on, None)
    return request, {draw(st.sampled_from(CURRENCIES)): total}, limit, today, draw(holidays_near(today))


@given(requests_within())
def test_a_request_within_every_limit_is_quoted(case):
    """The converse: a refusal is only ever for a limit the request really exceeds."""
    request, owed, limit, today, holidays = case
    dates = p.due_dates(request.frequency, request.first_on, holidays.__contains__)
    assume([next(dates) for _ in range(request.instalments)][-1] <= p.add_months(today, limit.max_months))
    assert_within_limits(p.quote(request, owed, limit, today, holidays.__contains__), request, owed, limit, today,
                         holidays)


@st.composite
def plans_and_money(draw: st.DrawFn) -> tuple[p.Plan, list[int]]:
    count = draw(st.integers(2, 12))
    total = draw(st.integers(count, 10_000_000))
    first_on = draw(days)
    frequency = draw(st.sampled_from(p.FREQUENCIES))
    q = p.quote(p.PlanRequest(frequency, count, first_on, None),
                {draw(st.sampled_from(CURRENCIES)): total}, p.PlanLimits(24, 0, p.FREQUENCIES, 36), first_on)
    plan = p.start_plan(q, frequency, "tenant", CREATED)
    payments = draw(st.lists(st.integers(1, total), max_size=8))
    return plan, payments


@given(plans_and_money())
def test_payments_fill_instalments_in_order_never_beyond_what_is_owed_and_complete_exactly_at_the_total(case):
    plan, payments = case
    for amount in payments:
        before = plan.paid
        plan, handed_back = p.apply_payment(plan, amount)
        assert plan.paid - before + handed_back == amount, "a minor unit neither taken nor handed back"
        assert handed_back == max(0, amount - (plan.total - before))
        assert all(0 <= inst.paid <= inst.amount for inst in plan.instalments)
        paid_flags = [inst.status == p.PAID for inst in plan.instalments]
        assert paid_flags == sorted(paid_flags, reverse=True), "an instalment paid before an earlier one"
        assert sum(1 for inst in plan.instalments if 0 < inst.paid < inst.amount) <= 1
        assert (plan.status == p.COMPLETED) == (plan.paid == plan.total)
    assert plan.paid == min(sum(payments), plan.total)


@given(plans_and_money(), st.integers(0, 20_000_000))
def test_a_refund_takes_back_from_the_latest_instalments_and_never_below_zero(case, refunded):
    plan, payments = case
    for amount in payments:
        plan, _ = p.apply_payment(plan, amount)
    before = plan.paid
    after, not_ours = p.refund(plan, refunded)
    assert after.paid == max(before - refunded, 0) and not_ours == refunded - (before - after.paid)
    paid_flags = [inst.status == p.PAID for inst in after.instalments]
    assert paid_flags == sorted(paid_flags, reverse=True)
    assert (after.status == p.COMPLETED) == (after.paid == after.total)


@given(plans_and_money(), st.integers(0, 800), st.integers(0, 14))
def test_a_plan_breaks_exactly_when_two_instalments_are_unpaid_past_their_grace(case, days_on, grace):
    plan, payments = case
    for amount in payments:
        plan, _ = p.apply_payment(plan, amount)
    today = plan.instalments[0].due_on + timedelta(days=days_on)
    marked = p.mark_missed(plan, today, grace)
    overdue = [inst for inst in plan.instalments
               if inst.unpaid > 0 and today > inst.due_on + timedelta(days=grace)]
    assert {inst.n for inst in marked.instalments if inst.status == p.MISSED} == {inst.n for inst in overdue}
    expected = p.COMPLETED if plan.status == p.COMPLETED else (p.BROKEN if len(overdue) >= 2 else p.ACTIVE)
    assert marked.status == expected
