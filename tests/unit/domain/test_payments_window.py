"""The account keeps its ledger's recent lines and running sums (the lines live in the payments collection): the
sums say what the whole ledger says, however the lines came, and the lines it keeps stay bounded."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.payments import (
    CHARGEBACK,
    FAILED,
    FORGIVEN,
    KEPT_OLDER,
    KINDLY,
    RECENT_LINES,
    REFUNDED,
    SUCCEEDED,
    LedgerSums,
    Payment,
    PaymentEvent,
    credited,
    credited_from,
    line_for,
    recent_window,
    record_payment,
    shown_lines,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
INVOICES = [Invoice("A", 50_000, "EUR", date(2025, 12, 1), date(2025, 12, 15)),
            Invoice("B", 70_000, "EUR", date(2025, 12, 5), date(2025, 12, 20)),
            Invoice("U", 9_000, "USD", date(2025, 12, 5), date(2025, 12, 20))]


def an_account() -> Account:
    return Account("t1", "a1", "Ana", "en-US", None, invoices=list(INVOICES))


def random_events(seed: int, count: int) -> list[PaymentEvent]:
    """Payments, cumulative refunds, chargebacks and failures, some redelivered, some out of order."""
    rng = random.Random(seed)
    events: list[PaymentEvent] = []
    for n in range(count):
        ref = f"pay_{rng.randrange(count // 2 + 1)}"
        kind = rng.choice([SUCCEEDED, SUCCEEDED, SUCCEEDED, REFUNDED, CHARGEBACK, FAILED])
        currency = rng.choice(["EUR", "EUR", "USD"])
        at = T0 + timedelta(minutes=rng.randrange(count * 3))
        invoice_id = rng.choice([None, "A", "B", "U", "gone"])
        events.append(PaymentEvent("standard", f"evt_{n}", kind, at, ref, currency, rng.randrange(0, 3000),
                                   invoice_id=invoice_id))
        if events and rng.random() < 0.15:
            events.append(rng.choice(events))  # a redelivery of an earlier event
    return events


def apply_whole(events: list[PaymentEvent]) -> list[Payment]:
    ledger: list[Payment] = []
    for event in events:
        ledger, _ = record_payment(ledger, event, event.invoice_id, event.amount or 0)
    return ledger


def apply_with_window(account: Account, events: list[PaymentEvent], collection: dict) -> None:
    """As PaymentService does: the recent lines and the event's own line from the collection, then post_lines."""
    for event in events:
        own = collection.get((event.provider, event.payment_ref, event.kind))
        paid = collection.get((event.provider, event.payment_ref, SUCCEEDED))
        known = list(account.payments)
        known += [line for line in (own, paid) if line is not None and line.key not in {p.key for p in known}]
        ledger, _ = record_payment(known, event, event.invoice_id, event.amount or 0)
        account.post_lines(known, ledger)
        collection.update({line.key: line for line in account.unsaved_lines})
        account.lines_saved()


@pytest.mark.parametrize("seed", range(8))
def test_the_running_sums_say_what_the_whole_ledger_says(seed):
    events = random_events(seed, 400)
    whole = apply_whole(events)
    account, collection = an_account(), {}

    apply_with_window(account, events, collection)

    # The lines stored are the whole ledger's lines, and the sums are theirs
    assert sorted(collection.values(), key=lambda p: p.key) == sorted(whole, key=lambda p: p.key)
    assert account.ledger == LedgerSums.of(whole)
    # So the balance and the figures are those of an account carrying every line
    carrying_all = an_account()
    carrying_all.payments = whole
    assert account.amounts_paid() == carrying_all.amounts_paid()
    assert account.balance() == carrying_all.balance()
    assert account.payment_totals() == carrying_all.payment_totals()
    # While the account keeps a bounded number of lines
    assert len(account.payments) <= RECENT_LINES + KEPT_OLDER


def test_credits_per_invoice_allocate_as_the_lines_would():
    lines = apply_whole(random_events(99, 200))
    open_invoices = INVOICES[:2]
    assert credited_from(open_invoices, LedgerSums.of(lines).credits, frozenset({"A"})) == credited(
        open_invoices, lines, frozenset({"A"}))


def test_the_recent_lines_keep_a_forgiven_line_and_a_refund_waiting_for_its_payment():
    forgiven = Payment(KINDLY, "settlement:EUR", FORGIVEN, 500, "EUR", T0, "settlement:EUR")
    waiting = Payment("stripe", "ch_late", REFUNDED, 0, "EUR", T0, "evt_r")
    taken_back = Payment("stripe", "ch_old", REFUNDED, 0, "EUR", T0, "evt_r2")
    paid_old = Payment("stripe", "ch_old", SUCCEEDED, 0, "EUR", T0, "evt_p")
    newer = [Payment("stripe", f"ch_{n}", SUCCEEDED, 100, "EUR", T0 + timedelta(minutes=n + 1), f"e{n}")
             for n in range(RECENT_LINES + 5)]

    kept = recent_window([forgiven, waiting, taken_back, paid_old, *newer])

    assert kept == [forgiven, waiting, *newer[-RECENT_LINES:]]


def test_a_line_read_from_the_collection_and_changed_is_written_and_summed_once():
    account = an_account()
    first = PaymentEvent("standard", "e1", SUCCEEDED, T0, "pay_1", "EUR", 1000, invoice_id="A")
    ledger, _ = record_payment([], first, "A", 1000)
    account.post_lines([], ledger)
    account.lines_saved()
    old_line = ledger[0]
    account.payments = []  # as if it had left the recent lines
    more = PaymentEvent("standard", "e2", SUCCEEDED, T0 + timedelta(hours=1), "pay_1", "EUR", 1500, invoice_id="A")

    known = [old_line]
    ledger, _ = record_payment(known, more, "A", 1500)
    account.post_lines(known, ledger)

    assert account.amounts_paid()["A"] == 1500
    assert account.unsaved_lines == [line_for(ledger, more)] and not account.new_line_keys
    assert account.ledger is not None and account.ledger.lines == 1


def test_the_shown_lines_are_the_latest_with_the_accounts_own_versions_over_the_stored_ones():
    stored = [Payment("stripe", f"ch_{n}", SUCCEEDED, 100, "EUR", T0 + timedelta(minutes=n), f"e{n}")
              for n in range(5)]
    newer = Payment("stripe", "ch_4", SUCCEEDED, 300, "EUR", T0 + timedelta(minutes=4), "e9")
    assert shown_lines([newer], stored, limit=3) == [stored[2], stored[3], newer]
