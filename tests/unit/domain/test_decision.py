"""decide(): what the worker and the preview do with a due account, one kind of decision at a time."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from msgspec.structs import replace

from chalicelib.domain import accounts as acc
from chalicelib.domain.accounts import Account, Flag, Invoice, PendingThanks
from chalicelib.domain.decision import (
    POLICY_ESCALATION,
    Defer,
    Escalate,
    Nothing,
    Send,
    Thank,
    Withhold,
    apply_delivered,
    apply_withheld,
    decide,
)
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.schedule import refresh_schedule

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")
CYCLE = "INV-1001@2026-11-15"


def no_holidays(_country, _region):
    return lambda _day: False


def holidays_on(*days: date):
    return lambda _country, _region: (lambda day: day in days)


def account(**changes) -> Account:
    """Ana in Madrid, 49 EUR due Sunday 2026-11-15, brought up to date the way the worker does first."""
    base = Account(tenant_id="t1", account_id="a1", name="Ana García", locale="es-ES", policy="standard",
                   email="ana@example.com", timezone="Europe/Madrid", country="ES",
                   invoices=[Invoice("INV-1001", 4900, "EUR", date(2026, 11, 1), date(2026, 11, 15))])
    current = replace(base, **changes)
    refresh_schedule(current, STANDARD)
    return current


def madrid(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=MADRID)


def flag(name: str, until: date | None = None) -> Flag:
    return Flag(name, True, datetime(2026, 11, 1, tzinfo=UTC), until)


def test_the_heads_up_is_sent_when_its_day_opens():
    decision = decide(account(), STANDARD, madrid(12, 9), no_holidays)
    assert isinstance(decision, Send)
    assert (decision.channel, decision.template, decision.at, decision.due.index) == ("email", "heads_up",
                                                                                       madrid(12, 9), 0)


def test_a_late_evening_defers_to_the_next_opening_with_the_rule():
    decision = decide(account(), STANDARD, madrid(12, 22), no_holidays)
    assert decision == Defer("quiet_hours", madrid(13, 9), decide(account(), STANDARD, madrid(12, 9),
                                                                   no_holidays).due)


def test_a_public_holiday_defers_to_the_next_working_day():
    decision = decide(account(), STANDARD, madrid(12, 10), holidays_on(date(2026, 11, 12)))
    assert isinstance(decision, Defer)
    assert (decision.rule, decision.until) == ("public_holiday", madrid(13, 9))


def test_a_dispute_withholds_and_holds_the_step_until_it_ends():
    disputed = account(flags={"dispute": flag("dispute", date(2026, 11, 20))})
    decision = decide(disputed, STANDARD, madrid(12, 10), no_holidays)
    assert isinstance(decision, Withhold)
    assert (decision.rule, decision.holds_step, decision.resume_at) == ("dispute_open", True, madrid(20, 8))


def test_an_sms_step_without_consent_is_withheld_and_spent():
    ana = account(phone="+34600000000", last_step=1, last_step_key=STANDARD.steps[1].key, cycle=CYCLE)
    decision = decide(ana, STANDARD, madrid(19, 10), no_holidays)
    assert isinstance(decision, Withhold)
    assert (decision.rule, decision.holds_step, decision.due.step.template) == ("no_sms_consent", False, "sms_nudge")
    apply_withheld(ana, STANDARD, decision)
    assert ana.last_step == 2  # spent: the next email comes next


def test_the_last_step_escalates_to_a_person():
    last = len(STANDARD.steps) - 1
    ana = account(last_step=last - 1, last_step_key=STANDARD.steps[last - 1].key, cycle=CYCLE)
    decision = decide(ana, STANDARD, madrid(20, 10, month=12), no_holidays)
    assert isinstance(decision, Escalate)
    assert decision.reason == POLICY_ESCALATION
    apply_delivered(ana, STANDARD, decision.due, "m-1", decision.at)
    assert (ana.state, ana.next_action_at) == (acc.ESCALATED, None)


def test_a_vulnerable_debtor_is_handed_to_a_person_instead_of_the_message():
    decision = decide(account(flags={"vulnerable": flag("vulnerable")}), STANDARD, madrid(12, 10), no_holidays)
    assert isinstance(decision, Escalate)
    assert (decision.reason, decision.due.step.action, decision.due.step.template) == ("vulnerable", "escalate",
                                                                                       "vulnerable")


def test_a_due_thank_you_comes_before_the_reminder_and_even_on_a_holiday():
    thanks = PendingThanks("stripe:pi_1:evt_1", madrid(12, 9))
    decision = decide(account(pending_thanks=thanks), STANDARD, madrid(12, 10), holidays_on(date(2026, 11, 12)))
    assert decision == Thank(thanks, madrid(12, 10))


def test_a_thank_you_at_night_waits_for_the_morning():
    thanks = PendingThanks("stripe:pi_1:evt_1", madrid(12, 22))
    decision = decide(account(pending_thanks=thanks), STANDARD, madrid(12, 22), no_holidays)
    assert decision == Defer("quiet_hours", madrid(13, 8), thanks=thanks)


def test_a_held_account_gets_nothing_even_with_a_thank_you_pending():
    thanks = PendingThanks("stripe:pi_1:evt_1", madrid(12, 9))
    held = account(hold_reason="chargeback", pending_thanks=thanks)
    assert decide(held, STANDARD, madrid(12, 10), no_holidays) == Nothing("held")


def test_a_settled_account_is_withheld_by_the_balance_rule():
    paid = account(invoices=[Invoice("INV-1001", 4900, "EUR", date(2026, 11, 1), date(2026, 11, 15),
                                     status="paid")])
    assert decide(paid, STANDARD, madrid(12, 10), no_holidays) == Withhold("balance_not_positive")


def test_before_the_first_step_nothing_is_due():
    assert decide(account(), STANDARD, madrid(11, 10), no_holidays) == Nothing("not_yet")


def test_deciding_changes_nothing_on_the_account():
    ana = account(flags={"dispute": flag("dispute")})
    before = ana.to_dict()
    decide(ana, STANDARD, madrid(12, 10), no_holidays)
    assert ana.to_dict() == before


def test_a_reply_from_the_debtor_defers_the_step_until_a_person_had_two_working_days():
    waiting = account(awaiting_reply_until=madrid(14, 0))
    decision = decide(waiting, STANDARD, madrid(12, 9), no_holidays)
    # the wait ends at midnight: the step is deferred to the morning the guard first allows
    assert decision == Defer("awaiting_reply", madrid(14, 9), decide(account(), STANDARD, madrid(12, 9),
                                                                      no_holidays).due)
    # once the wait is over the step goes as it would have (the guard still has its say)
    assert isinstance(decide(waiting, STANDARD, madrid(16, 9), no_holidays), Send)
