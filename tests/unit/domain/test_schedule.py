"""Which policy step is due and when the next action falls (SPEC capability 3, the sweep's index)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from msgspec.structs import replace

from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.policies import STANDARD, SendWindow, Step
from chalicelib.domain.schedule import (
    align_progress,
    due_step,
    local_day,
    mark_handled,
    next_action_at,
    opening_instant,
    recipient_zones,
    refresh_schedule,
)

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")
HONOLULU = ZoneInfo("Pacific/Honolulu")
CYCLE = "INV-1001@2026-11-15"
LAST = len(STANDARD.steps) - 1


# --- builders ----------------------------------------------------------------------------------

def invoice(invoice_id: str = "INV-1001", due_on: date = date(2026, 11, 15), status: str = "open",
            amount: int = 4900) -> Invoice:
    return Invoice(invoice_id, amount, "EUR", date(2026, 11, 1), due_on, status=status)


def account(**changes) -> Account:
    """Ana in Madrid, one open invoice of 49 EUR due Sunday 2026-11-15, no step handled yet."""
    base = Account(
        tenant_id="t1", account_id="a1", name="Ana García", locale="es-ES", policy="standard",
        timezone="Europe/Madrid", country="ES", invoices=[invoice()],
    )
    return replace(base, **changes)


def madrid(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID)


# --- next_action_at ----------------------------------------------------------------------------

def test_first_action_is_the_heads_up_three_days_before_due_at_the_window_opening():
    # Given an invoice due 2026-11-15 in Madrid under STANDARD, When nothing has been sent yet
    # Then the next action is the -3 heads-up on 2026-11-12 at 09:00 Madrid
    assert next_action_at(account(), STANDARD) == madrid(2026, 11, 12, 9, 0)


@pytest.mark.parametrize(
    ("last_step", "expected"),
    [
        (0, madrid(2026, 11, 16)),  # +1 gentle reminder
        (1, madrid(2026, 11, 19)),  # +4 SMS nudge
        (2, madrid(2026, 11, 25)),  # +10 plan offer
        (LAST - 1, madrid(2026, 12, 20)),  # +35 escalate
    ],
)
def test_next_action_moves_to_the_following_step_as_last_step_advances(last_step, expected):
    assert next_action_at(account(cycle=CYCLE, last_step=last_step), STANDARD) == expected


def test_no_next_action_once_every_step_is_done():
    assert next_action_at(account(cycle=CYCLE, last_step=LAST), STANDARD) is None


@pytest.mark.parametrize("status", ["paid", "void"])
def test_no_next_action_when_nothing_is_owed(status):
    assert next_action_at(account(invoices=[invoice(status=status)]), STANDARD) is None


def test_no_next_action_without_invoices():
    assert next_action_at(account(invoices=[]), STANDARD) is None


def test_progress_of_another_cycle_does_not_count():
    # Given the account finished every step of an older episode, When a new invoice anchors a new cycle
    acct = account(cycle="INV-0001@2026-01-15", last_step=LAST)
    # Then the schedule starts again from the heads-up
    assert next_action_at(acct, STANDARD) == madrid(2026, 11, 12)


def test_the_opening_never_precedes_0800_even_if_the_window_starts_earlier():
    early = replace(STANDARD, send_window=SendWindow(time(7, 0), time(19, 0), frozenset(range(7))))
    assert next_action_at(account(), early) == madrid(2026, 11, 12, 8, 0)


# --- due_step ----------------------------------------------------------------------------------

def test_nothing_is_due_before_the_first_steps_local_day():
    assert due_step(account(), STANDARD, madrid(2026, 11, 11, 23, 59)) is None


def test_the_latest_step_that_has_come_due_is_chosen_and_earlier_ones_are_superseded():
    # Given nothing was sent, When the sweep looks on 2026-11-20 (after -3, +1 and +4 came due)
    due = due_step(account(), STANDARD, madrid(2026, 11, 20, 11, 0))
    # Then only the +4 SMS is due, the two earlier emails are superseded
    assert due is not None
    assert due.index == 2
    assert due.step == STANDARD.steps[2]
    assert due.superseded == (0, 1)
    assert due.cycle == CYCLE
    assert due.due_on == date(2026, 11, 15)


def test_a_step_the_debtor_cannot_receive_does_not_swallow_an_earlier_one():
    # Given -3, +1 and +4 came due together, When SMS cannot reach the debtor (no consent)
    email_only = lambda step: step.channel != "sms"  # noqa: E731
    due = due_step(account(), STANDARD, madrid(2026, 11, 20, 11, 0), email_only)
    # Then the +1 email is chosen, the heads-up superseded and the SMS left for the next pass
    assert (due.index, due.superseded) == (1, (0,))
    assert due_step(account(cycle=CYCLE, last_step=1), STANDARD, madrid(2026, 11, 20, 11, 0), email_only).index == 2


def test_when_no_step_can_reach_the_debtor_the_latest_is_chosen_to_be_withheld():
    due = due_step(account(), STANDARD, madrid(2026, 11, 20, 11, 0), lambda _step: False)
    assert (due.index, due.superseded) == (2, (0, 1))


def test_handled_steps_are_not_superseded_again():
    due = due_step(account(cycle=CYCLE, last_step=0), STANDARD, madrid(2026, 11, 20, 11, 0))
    assert (due.index, due.superseded) == (2, (1,))


def test_a_single_step_due_has_nothing_superseded():
    due = due_step(account(cycle=CYCLE, last_step=1), STANDARD, madrid(2026, 11, 19, 9, 0))
    assert (due.index, due.superseded) == (2, ())


def test_nothing_is_due_when_the_next_steps_day_has_not_come():
    assert due_step(account(cycle=CYCLE, last_step=2), STANDARD, madrid(2026, 11, 24, 18, 0)) is None


def test_nothing_is_due_once_all_steps_are_handled():
    assert due_step(account(cycle=CYCLE, last_step=LAST), STANDARD, madrid(2027, 6, 1)) is None


def test_the_step_day_is_the_debtors_local_day_not_utc():
    # Given 23:30 UTC on 11 November, which is already 00:30 on the 12th in Madrid
    instant = datetime(2026, 11, 11, 23, 30, tzinfo=UTC)
    # Then the heads-up (due on the 12th) has come for the Madrid debtor
    assert due_step(account(), STANDARD, instant).index == 0
    # But not for a Los Angeles debtor, for whom it is still the 11th
    assert due_step(account(timezone="America/Los_Angeles", country="US"), STANDARD, instant) is None


def test_a_new_oldest_invoice_restarts_the_schedule_from_step_zero():
    # Given steps 0..3 were handled for INV-1001
    acct = account(cycle=CYCLE, last_step=3)
    # When an older invoice, due 2026-11-01, is added
    acct.invoices = [invoice("INV-0999", due_on=date(2026, 11, 1)), *acct.invoices]
    due = due_step(acct, STANDARD, madrid(2026, 11, 12, 10, 0))
    # Then the cycle is the new invoice's and every step counts again from step 0
    assert due.cycle == "INV-0999@2026-11-01"
    assert due.due_on == date(2026, 11, 1)
    assert (due.index, due.superseded) == (3, (0, 1, 2))


def test_paying_the_anchor_invoice_starts_a_new_cycle_for_the_next_one():
    acct = account(cycle=CYCLE, last_step=LAST,
                   invoices=[invoice(status="paid"), invoice("INV-1002", due_on=date(2026, 12, 15))])
    due = due_step(acct, STANDARD, madrid(2026, 12, 12, 10, 0))
    assert (due.cycle, due.index) == ("INV-1002@2026-12-15", 0)
    assert next_action_at(acct, STANDARD) == madrid(2026, 12, 12)


def _with_plan_agreed(acct: Account, on: datetime) -> Account:
    from chalicelib.domain.plans import PlanLimits, PlanRequest, quote, start_plan

    quoted = quote(PlanRequest("monthly", 2, on.date().replace(day=10), "EUR"), {"EUR": 9800},
                   PlanLimits.of(STANDARD), on.date())
    acct.plan = start_plan(quoted, "monthly", "debtor", on)
    return acct


def test_a_plan_that_paid_off_the_oldest_invoice_keeps_the_steps_where_they_were():
    # Given steps 0..3 were handled, then a plan covering both invoices was agreed on 1 December
    acct = _with_plan_agreed(account(cycle=CYCLE, last_step=3,
                                     invoices=[invoice(), invoice("INV-1002", due_on=date(2026, 11, 20))]),
                             madrid(2026, 12, 1))
    # When its instalments pay off the oldest invoice
    acct.invoices[0] = replace(acct.invoices[0], status="paid")
    refresh_schedule(acct, STANDARD)
    # Then the next invoice anchors the cycle, and the steps already handled stay handled
    assert (acct.cycle, acct.last_step) == ("INV-1002@2026-11-20", 3)


def test_an_invoice_issued_after_the_plan_starts_its_own_episode():
    acct = _with_plan_agreed(account(cycle=CYCLE, last_step=3,
                                     invoices=[invoice(status="paid"), invoice("INV-2001", due_on=date(2027, 1, 15))]),
                             madrid(2026, 12, 1))
    refresh_schedule(acct, STANDARD)
    assert (acct.cycle, acct.last_step) == ("INV-2001@2027-01-15", -1)


# --- country-only accounts: every zone of the country -------------------------------------------

def us_account() -> Account:
    return account(timezone=None, country="US")


def test_recipient_zones_is_the_own_zone_when_known():
    assert recipient_zones(account()) == ("Europe/Madrid",)


def test_recipient_zones_without_timezone_is_every_zone_of_the_country():
    zones = recipient_zones(us_account())
    assert {"America/New_York", "America/Chicago", "America/Los_Angeles", "Pacific/Honolulu"} <= set(zones)


def test_recipient_zones_with_neither_zone_nor_country_falls_back_to_utc():
    assert recipient_zones(account(timezone=None, country=None)) == ("UTC",)


def test_local_day_is_the_earliest_day_among_the_zones():
    # 06:00 UTC on the 12th is the 12th in New York but still the 11th in Honolulu
    zones = ("America/New_York", "Pacific/Honolulu")
    assert local_day(datetime(2026, 11, 12, 6, 0, tzinfo=UTC), zones) == date(2026, 11, 11)


def test_country_only_account_steps_come_due_on_the_earliest_local_day():
    # Given a US debtor of unknown zone, When it is already the 12th on the east coast but not in Hawaii
    assert due_step(us_account(), STANDARD, datetime(2026, 11, 12, 6, 0, tzinfo=UTC)) is None
    # Then the heads-up waits until the 12th has begun in every zone
    assert due_step(us_account(), STANDARD, datetime(2026, 11, 12, 11, 0, tzinfo=UTC)).index == 0


def test_country_only_account_next_action_is_the_opening_in_every_zone():
    # Given a US debtor of unknown zone, Then the heads-up is planned at 09:00 in the westernmost zones
    when = next_action_at(us_account(), STANDARD)
    assert when == datetime(2026, 11, 12, 9, 0, tzinfo=HONOLULU)
    for name in recipient_zones(us_account()):
        local = when.astimezone(ZoneInfo(name))
        assert local.date() == date(2026, 11, 12) and local.time() >= time(9, 0), name


def test_opening_instant_is_the_latest_of_the_zone_openings():
    zones = ("Europe/Madrid", "Atlantic/Canary")
    assert opening_instant(date(2026, 11, 12), zones, STANDARD) == datetime(2026, 11, 12, 9, 0, tzinfo=UTC)


# --- progress survives a policy edit ------------------------------------------------------------

def handled_through(index: int) -> Account:
    acct = account(cycle=CYCLE)
    mark_handled(acct, STANDARD, index)
    return acct


def test_removing_a_handled_step_does_not_skip_the_next_one():
    # Given the heads-up was sent, When finance removes the heads-up from the policy
    acct = handled_through(0)
    edited = replace(STANDARD, steps=STANDARD.steps[1:], version=2)
    align_progress(acct, edited)
    # Then the +1 gentle reminder is still the one due on 16 Nov
    due = due_step(acct, edited, madrid(2026, 11, 16, 10, 0))
    assert due is not None and due.step.template == "gentle_reminder"


def test_adding_a_step_before_the_progress_does_not_resend_anything():
    # Given the +1 reminder was handled, When a -7 step is added in front
    acct = handled_through(1)
    edited = replace(STANDARD, steps=(Step(-7, "email", "heads_up_early"), *STANDARD.steps), version=2)
    align_progress(acct, edited)
    # Then progress still points at the +1 reminder, and the next step due is the +4 SMS
    assert edited.steps[acct.last_step].template == "gentle_reminder"
    assert due_step(acct, edited, madrid(2026, 11, 19, 10, 0)).step.template == "sms_nudge"


def test_a_removed_handled_step_counts_everything_up_to_its_day_as_handled():
    acct = handled_through(1)  # +1 gentle reminder
    edited = replace(STANDARD, steps=tuple(s for s in STANDARD.steps if s.offset_days != 1), version=2)
    align_progress(acct, edited)
    assert [s.offset_days for s in edited.steps[:acct.last_step + 1]] == [-3]
    assert due_step(acct, edited, madrid(2026, 11, 19, 10, 0)).step.template == "sms_nudge"
