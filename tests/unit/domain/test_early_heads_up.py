"""Early heads-up (domain/early_heads_up.py): late payers hear of the due date earlier, good payers not at all,
and an account without a paid invoice on record gets the policy's steps as written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from msgspec.structs import replace

from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.decision import Send, Withhold, apply_withheld, decide
from chalicelib.domain.early_heads_up import LATE, ON_TIME, PAYS_ON_TIME, EarlyHeadsUp, payer
from chalicelib.domain.ledger import post_lines
from chalicelib.domain.payments import RECENT_LINES, SUCCEEDED, Payment
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.schedule import refresh_schedule

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")
DUE = date(2026, 11, 16)  # a Monday: the heads-up days before it are working days
PAST_DUES = (date(2026, 8, 14), date(2026, 9, 15), date(2026, 10, 15))


def no_holidays(_country, _region):
    return lambda _day: False


def ana(*days_late: int, **changes) -> Account:
    """Ana in Madrid: past invoices paid `days_late` after their due dates (negative: early), one open. The
    payments fall at hours too far apart to time her email by (engagement.py)."""
    past = [Invoice(f"INV-{n}", 2000, "EUR", due - timedelta(days=14), due) for n, due in enumerate(PAST_DUES)]
    paid = [Payment("stripe", f"ch_{n}", SUCCEEDED, 2000, "EUR",
                    datetime.combine(PAST_DUES[n] + timedelta(days=late), datetime.min.time(), MADRID)
                    .replace(hour=(10, 15, 20)[n]).astimezone(UTC), f"evt_{n}", invoice_id=f"INV-{n}")
            for n, late in enumerate(days_late)]
    account = Account(tenant_id="t1", account_id="a1", name="Ana García", locale="es-ES", policy="standard",
                      email="ana@example.com", timezone="Europe/Madrid", country="ES",
                      invoices=[*past[:len(days_late)], Invoice("INV-9", 4900, "EUR", date(2026, 11, 1), DUE)],
                      payments=paid)
    account = replace(account, **changes)
    refresh_schedule(account, STANDARD)
    return account


def local(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, datetime.min.time(), MADRID).replace(hour=hour).astimezone(UTC)


SETTING = EarlyHeadsUp.of(STANDARD)


@pytest.mark.parametrize(("days_late", "kind"), [
    ((5, 0, 3), LATE), ((0, 12, 9), LATE), ((-2, 0, 0), ON_TIME), ((0,), ON_TIME), ((), None),
    ((4, 0, 0), None),  # one late payment is not yet a habit, and not a record of paying on time either
])
def test_the_payment_history_says_late_payer_good_payer_or_not_yet_known(days_late, kind):
    assert SETTING is not None
    assert payer(ana(*days_late), SETTING, "Europe/Madrid") == kind


def test_only_the_last_three_paid_invoices_count():
    old_late = ana(9, 9, 0)
    old_late.invoices.insert(0, Invoice("INV-old", 100, "EUR", date(2026, 5, 1), date(2026, 5, 15)))
    assert SETTING is not None and payer(old_late, SETTING, "Europe/Madrid") == LATE
    recent_on_time = ana(9, 0, 0)
    assert payer(recent_on_time, SETTING, "Europe/Madrid") is None


def test_the_history_outlives_the_lines_the_account_item_keeps():
    """A debtor paying the open invoice in many small amounts: the lines that paid the earlier invoices leave the
    account item (the payments collection keeps them), and the instants they paid in full stay on the account."""
    account = ana(5, 0, 3)
    paying, account.payments = account.payments, []
    for line in paying:  # each recorded as its webhook came
        post_lines(account, list(account.payments), [*account.payments, line])
    for n in range(RECENT_LINES + 5):
        line = Payment("stripe", f"ch_small_{n}", SUCCEEDED, 10, "EUR", local(date(2026, 10, 20)) + timedelta(hours=n),
                       f"evt_small_{n}", invoice_id="INV-9")
        post_lines(account, list(account.payments), [*account.payments, line])

    assert not {"INV-0", "INV-1", "INV-2"} & {p.invoice_id for p in account.payments}  # those lines left the item
    assert SETTING is not None and payer(account, SETTING, "Europe/Madrid") == LATE
    assert set(account.paid_in_full) == {"INV-0", "INV-1", "INV-2"}  # INV-9 is not paid in full yet


def test_a_late_payer_gets_the_heads_up_five_days_before_the_due_date():
    account = ana(5, 0, 3)
    assert account.next_action_at == local(DUE - timedelta(days=5))
    decision = decide(account, STANDARD, account.next_action_at, no_holidays)
    assert isinstance(decision, Send) and decision.template == "heads_up"


def test_a_good_payer_gets_no_heads_up_and_the_next_reminder_stays_as_it_was():
    account = ana(0, -1, 0)
    assert account.next_action_at == local(DUE - timedelta(days=3))
    decision = decide(account, STANDARD, account.next_action_at, no_holidays)
    assert isinstance(decision, Withhold) and decision.rule == PAYS_ON_TIME and not decision.holds_step
    apply_withheld(account, STANDARD, decision)
    assert account.next_action_at == local(DUE + timedelta(days=1))
    reminder = decide(account, STANDARD, account.next_action_at, no_holidays)
    assert isinstance(reminder, Send) and reminder.template == "gentle_reminder"


@pytest.mark.parametrize("days_late", [(), (4, 0, 0)])
def test_without_a_clear_history_the_policy_runs_as_written(days_late):
    account = ana(*days_late)
    assert account.next_action_at == local(DUE - timedelta(days=3))
    decision = decide(account, STANDARD, account.next_action_at, no_holidays)
    assert isinstance(decision, Send) and decision.template == "heads_up"


def test_a_policy_without_the_setting_sends_everyone_the_heads_up():
    policy = replace(STANDARD, early_heads_up=None)
    account = ana(0, 0, 0)
    refresh_schedule(account, policy)
    decision = decide(account, policy, local(DUE - timedelta(days=3)), no_holidays)
    assert isinstance(decision, Send) and decision.template == "heads_up"


def test_the_preview_shows_the_good_payers_heads_up_withheld_and_the_late_payers_earlier():
    from chalicelib.domain.simulation import simulate

    start = local(DUE - timedelta(days=10), 0)
    good = simulate(ana(0, 0, -1), STANDARD, start, 12, no_holidays)
    assert (good[0]["template"], good[0]["withheld"]) == ("heads_up", PAYS_ON_TIME)
    assert good[1]["template"] == "gentle_reminder" and good[1]["withheld"] is None
    late = simulate(ana(3, 6, 0), STANDARD, start, 12, no_holidays)
    assert (late[0]["template"], late[0]["withheld"]) == ("heads_up", None)
    assert late[0]["local_time"] == "2026-11-11T09:00:00+01:00"  # five days before the due date, not three
