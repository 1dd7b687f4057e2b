"""decide() with a payment plan, a promise to pay or a settlement offer (issue 9): the policy's steps stop while a
plan or a promise holds, and each notice the arrangement calls for is decided once, through the courtesy guard."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from msgspec.structs import replace

from chalicelib.domain import notices as arr
from chalicelib.domain import plans as pl
from chalicelib.domain.accounts import Account, Flag, Invoice
from chalicelib.domain.decision import Defer, Escalate, Nothing, Notify, Paused, Send, Withhold, decide
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.promises import Promise
from chalicelib.domain.schedule import refresh_schedule
from chalicelib.domain.settlement import SettlementOffer
from chalicelib.domain.times import iso

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")
MADE = datetime(2026, 11, 20, 10, 0, tzinfo=MADRID)
SETTLING = replace(STANDARD, settlement={"discount_percent": 10, "valid_days": 14, "offer_after_days": 30})


def no_holidays(_country, _region):
    return lambda _day: False


def holidays_on(*days: date):
    return lambda _country, _region: (lambda day: day in days)


def madrid(day: int, hour: int, month: int = 11, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=MADRID)


def monthly_plan(first_on: date = date(2026, 12, 1), count: int = 3, made: datetime = MADE) -> pl.Plan:
    quoted = pl.quote(pl.PlanRequest(pl.MONTHLY, count, first_on), {"EUR": 12000}, pl.PlanLimits(), made.date())
    return pl.start_plan(quoted, pl.MONTHLY, "debtor", made)


def account(**changes) -> Account:
    """Ana in Madrid, 120 EUR due Sunday 2026-11-15."""
    base = Account(tenant_id="t1", account_id="a1", name="Ana García", locale="es-ES", policy="standard",
                   email="ana@example.com", timezone="Europe/Madrid", country="ES",
                   invoices=[Invoice("INV-1", 12000, "EUR", date(2026, 11, 1), date(2026, 11, 15))])
    current = replace(base, **changes)
    refresh_schedule(current, STANDARD)
    return current


def worker(acct: Account, now: datetime, policy=STANDARD, calendar=no_holidays):
    """What the worker does first: time moves the arrangements on, then it decides."""
    events = arr.advance(acct, policy, now)
    refresh_schedule(acct, policy)
    return events, decide(acct, policy, now, calendar)


def sent(acct: Account, *keys: str) -> Account:
    """The account once these notices went out for its current plan."""
    made = iso(acct.plan.created_at) if acct.plan else ""
    acct.plan_notices = {**acct.plan_notices, **{key: made for key in keys}}
    return acct


def test_a_new_plan_is_confirmed_once_then_the_policy_steps_stop():
    acct = account(plan=monthly_plan())
    _, first = worker(acct, madrid(20, 11))
    assert isinstance(first, Notify) and first.notice.kind == arr.PLAN_CONFIRMED and first.rule == "plan_created"

    sent(acct, arr.PLAN_CONFIRMED)
    # 25 November: the plan_offer step's day. The plan holds it.
    _, later = worker(acct, madrid(25, 10))
    assert later == Paused(arr.PLAN_ACTIVE, None)


def test_the_heads_up_comes_three_days_before_an_instalment_once_and_wakes_the_account():
    acct = sent(account(plan=monthly_plan()), arr.PLAN_CONFIRMED)
    refresh_schedule(acct, STANDARD)
    assert acct.next_action_at == madrid(28, 9).astimezone(UTC)  # Saturday 28 November, the window's opening

    assert isinstance(worker(acct, madrid(27, 12))[1], Paused)
    _, decision = worker(acct, madrid(28, 9))
    assert isinstance(decision, Notify) and decision.notice.key == "instalment_heads_up:1"
    assert decision.rule == "instalment_coming"

    sent(acct, "instalment_heads_up:1")
    assert isinstance(worker(acct, madrid(29, 10))[1], Paused)


def test_a_heads_up_waits_for_quiet_hours_and_for_a_public_holiday():
    acct = sent(account(plan=monthly_plan()), arr.PLAN_CONFIRMED)
    _, night = worker(acct, madrid(28, 23))
    assert isinstance(night, Defer) and night.rule == "quiet_hours" and night.notice.kind == arr.HEADS_UP

    _, holiday = worker(acct, madrid(28, 10), calendar=holidays_on(date(2026, 11, 28)))
    assert isinstance(holiday, Defer) and holiday.rule == "public_holiday"
    assert holiday.until == madrid(30, 9)  # Sunday is outside the window: Monday's opening


def test_the_heads_up_wake_follows_the_clock_change():
    # 31 March 2027: its heads-up day, 28 March, is the day Madrid goes to summer time (UTC+2).
    plan = monthly_plan(first_on=date(2027, 1, 31), count=3, made=madrid(20, 10, month=12))
    acct = sent(account(plan=plan), arr.PLAN_CONFIRMED)
    acct.plan = pl.apply_payment(plan, 8000)[0]  # two paid: the third, on 31 March, is next
    refresh_schedule(acct, STANDARD)
    assert acct.next_action_at == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)  # 09:00 CEST


def test_an_instalment_missed_after_its_grace_days_is_audited_and_nudged_once():
    acct = sent(account(plan=monthly_plan()), arr.PLAN_CONFIRMED, "instalment_heads_up:1")
    events, decision = worker(acct, madrid(4, 10, month=12))  # 1 December + 3 grace days: not yet
    assert events == [] and isinstance(decision, Paused)

    events, decision = worker(acct, madrid(5, 10, month=12))
    assert [t for t, _ in events] == ["instalment_missed"] and events[0][1]["n"] == 1
    assert isinstance(decision, Notify) and decision.notice.key == "instalment_missed:1"
    assert worker(acct, madrid(5, 11, month=12))[0] == []  # audited once

    sent(acct, "instalment_missed:1")
    assert isinstance(worker(acct, madrid(6, 10, month=12))[1], Paused)


def test_the_second_miss_breaks_the_plan_finance_first_then_the_debtor_then_the_steps_resume():
    acct = sent(account(plan=monthly_plan()), arr.PLAN_CONFIRMED, "instalment_heads_up:1", "instalment_missed:1",
                "instalment_heads_up:2")
    worker(acct, madrid(5, 10, month=12))  # the first miss
    events, decision = worker(acct, madrid(5, 10, month=1, year=2027))
    assert [t for t, _ in events] == ["instalment_missed", "plan_broken"]
    assert "name" not in str(events) and "ana" not in str(events).lower()
    assert acct.plan.status == pl.BROKEN
    assert isinstance(decision, Notify) and decision.notice.channel == arr.FINANCE

    sent(acct, arr.PLAN_BROKEN)
    _, ended = worker(acct, madrid(5, 10, month=1, year=2027))
    assert isinstance(ended, Notify) and ended.notice.kind == arr.PLAN_ENDED and ended.rule == "plan_broken"

    sent(acct, arr.PLAN_ENDED)
    _, resumed = worker(acct, madrid(5, 11, month=1, year=2027))
    # Never from the start: the latest step whose day has come (the hand-over, day 35), the earlier ones spent.
    assert isinstance(resumed, Escalate)
    assert resumed.due.index == len(STANDARD.steps) - 1 and resumed.due.superseded == (0, 1, 2, 3, 4, 5)


def test_a_missed_instalment_caught_up_before_the_next_is_no_break():
    acct = sent(account(plan=monthly_plan()), arr.PLAN_CONFIRMED)
    worker(acct, madrid(5, 10, month=12))
    acct.plan = pl.apply_payment(acct.plan, 4000)[0]  # the debtor catches up
    events, _ = worker(acct, madrid(5, 10, month=1, year=2027))
    assert [t for t, _ in events] == ["instalment_missed"] and acct.plan.status == pl.ACTIVE


def test_a_completed_plan_asks_for_nothing_more():
    plan = replace(pl.apply_payment(monthly_plan(), 12000)[0])
    acct = sent(account(plan=plan, invoices=[Invoice("INV-1", 12000, "EUR", date(2026, 11, 1), date(2026, 11, 15),
                                                      status="paid")]), arr.PLAN_CONFIRMED)
    assert plan.status == pl.COMPLETED and acct.next_action_at is None
    events, decision = worker(acct, madrid(5, 10, month=12))
    assert events == [] and isinstance(decision, Withhold) and decision.rule == "balance_not_positive"


def test_an_open_promise_pauses_the_steps_then_one_follow_up_and_the_steps_resume():
    promise = Promise(12000, "EUR", date(2026, 12, 1), MADE)
    acct = account(promise=promise)
    assert acct.next_action_at == madrid(5, 9, month=12).astimezone(UTC)  # 1 Dec + 3 grace days, the day after
    _, paused = worker(acct, madrid(25, 10))
    assert paused == Paused(arr.PROMISE_OPEN, madrid(5, 9, month=12).astimezone(UTC))

    events, follow_up = worker(acct, madrid(5, 10, month=12))
    assert [t for t, _ in events] == ["promise_broken"]
    assert isinstance(follow_up, Notify) and follow_up.notice.kind == arr.PROMISE_FOLLOW_UP
    assert follow_up.rule == "promise_broken"

    arr.notice_spent(acct, STANDARD, follow_up.notice, madrid(5, 10, month=12))
    refresh_schedule(acct, STANDARD)
    # It stood in for the steps whose day came during the promise; the next, can_we_help, is due tomorrow.
    assert isinstance(worker(acct, madrid(5, 11, month=12))[1], Nothing)
    _, resumed = worker(acct, madrid(7, 10, month=12))
    assert isinstance(resumed, Send) and resumed.template == "can_we_help" and resumed.due.superseded == ()


def test_a_pause_flag_holds_a_notice_until_it_lifts():
    flag = Flag("hardship", True, datetime(2026, 11, 1, tzinfo=UTC), date(2026, 12, 10))
    acct = account(plan=monthly_plan(), flags={"hardship": flag})
    _, decision = worker(acct, madrid(20, 11))
    assert isinstance(decision, Withhold) and decision.rule == "hardship_pause" and decision.holds_step
    assert decision.notice.kind == arr.PLAN_CONFIRMED


def test_the_settlement_offer_is_made_once_overdue_long_enough_and_sent_once():
    acct = account()
    refresh_schedule(acct, SETTLING)
    assert madrid(15, 9, month=12).astimezone(UTC) in arr.wake_times(acct, SETTLING)

    events, _ = worker(acct, madrid(14, 10, month=12), SETTLING)
    assert events == [] and acct.settlement_offer is None

    events, decision = worker(acct, madrid(15, 10, month=12), SETTLING)
    assert events == [("settlement_offered", {"amount": 10800, "currency": "EUR", "valid_until": "2026-12-29"})]
    assert isinstance(decision, Notify) and decision.notice.kind == arr.SETTLEMENT_OFFER
    assert worker(acct, madrid(15, 11, month=12), SETTLING)[0] == []  # made once

    acct.plan_notices = {arr.SETTLEMENT_OFFER: "2026-12-29"}
    _, after = worker(acct, madrid(15, 11, month=12), SETTLING)
    assert not isinstance(after, Notify)


def test_a_settlement_offer_lapses_after_its_last_day_audited_once():
    offer = SettlementOffer(10800, "EUR", date(2026, 12, 29), 12000)
    acct = account(settlement_offer=offer, plan_notices={arr.SETTLEMENT_OFFER: "2026-12-29"})
    assert worker(acct, madrid(29, 18, month=12), SETTLING)[0] == []
    events, _ = worker(acct, madrid(30, 10, month=12), SETTLING)
    assert events == [("settlement_lapsed", {"valid_until": "2026-12-29", "currency": "EUR"})]
    assert worker(acct, madrid(31, 10, month=12), SETTLING)[0] == []
    assert acct.settlement_offer == offer  # kept, so the page can say it lapsed


def test_an_accepted_settlement_is_confirmed_once():
    accepted = datetime(2026, 12, 16, 9, 0, tzinfo=UTC)
    offer = SettlementOffer(10800, "EUR", date(2026, 12, 29), 12000, accepted)
    acct = account(settlement_offer=offer, plan_notices={arr.SETTLEMENT_OFFER: "2026-12-29"})
    _, decision = worker(acct, madrid(16, 11, month=12), SETTLING)
    assert isinstance(decision, Notify) and decision.notice.kind == arr.SETTLEMENT_CONFIRMED
    acct.plan_notices = {**acct.plan_notices, arr.SETTLEMENT_CONFIRMED: iso(accepted)}
    assert not isinstance(worker(acct, madrid(16, 12, month=12), SETTLING)[1], Notify)


def test_the_policy_sets_how_many_days_ahead_the_heads_up_goes():
    early = replace(STANDARD, plans={**STANDARD.plans, "heads_up_days": 5})
    acct = sent(account(plan=monthly_plan()), arr.PLAN_CONFIRMED)
    refresh_schedule(acct, early)
    assert acct.next_action_at == madrid(26, 9).astimezone(UTC)
    assert isinstance(decide(acct, early, madrid(26, 9), no_holidays), Notify)
    assert isinstance(decide(acct, STANDARD, madrid(26, 9), no_holidays), Paused)


@pytest.mark.parametrize("days", [0, 15])
def test_a_policy_heads_up_outside_one_to_fourteen_days_is_refused(days):
    from chalicelib.domain.errors import InvalidInput
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.policies import PolicyIn
    from tests.support.samples import POLICY

    with pytest.raises(InvalidInput) as refused:
        parse(PolicyIn, {**POLICY, "plans": {**POLICY["plans"], "heads_up_days": days}})
    assert "heads_up_days" in str(refused.value.field)


def test_a_plan_agreed_for_an_escalated_account_runs_and_when_it_breaks_the_account_stays_with_a_person():
    acct = account(state="escalated", last_step=len(STANDARD.steps) - 1, cycle="INV-1@2026-11-15",
                   plan=monthly_plan())
    acct.state = "escalated"
    refresh_schedule(acct, STANDARD)
    assert acct.next_action_at is not None and acct.state == "escalated"
    _, confirm = worker(acct, madrid(20, 11))
    assert isinstance(confirm, Notify) and confirm.notice.kind == arr.PLAN_CONFIRMED

    acct.plan = replace(acct.plan, status=pl.BROKEN)
    acct.plan_notices = {key: iso(acct.plan.created_at) for key in (arr.PLAN_CONFIRMED, arr.PLAN_BROKEN,
                                                                    arr.PLAN_ENDED)}
    events, after = worker(acct, madrid(5, 10, month=1, year=2027), SETTLING)
    assert after == Nothing("escalated") and acct.settlement_offer is None and events == []
