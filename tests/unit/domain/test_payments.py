"""The payments ledger: allocation to invoices, event-time order, and what a processor's silence means."""

from __future__ import annotations

from datetime import UTC, date, datetime

from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.payments import (
    APPLIED,
    CHARGEBACK,
    FAILED,
    REFUNDED,
    STALE,
    SUCCEEDED,
    UNCHANGED,
    PaymentEvent,
    credited,
    record_payment,
    superseded_failure,
)

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def invoice(invoice_id, amount, due, currency="EUR", status="open"):
    return Invoice(invoice_id, amount, currency, date(2026, 11, 1), date(2026, 11, due), status)


def event(kind=SUCCEEDED, amount=1000, ref="pay_1", at=T0, currency="EUR", event_id="evt_1", invoice_id=None):
    return PaymentEvent("standard", event_id, kind, at, ref, currency, amount, invoice_id=invoice_id)


def ledger_of(*events_and_invoices):
    ledger = []
    for ev, invoice_id in events_and_invoices:
        ledger, _ = record_payment(ledger, ev, invoice_id, ev.amount)
    return ledger


def test_untargeted_money_pays_the_oldest_invoice_of_its_currency_first():
    invoices = [invoice("B", 3000, 20), invoice("A", 2000, 10), invoice("U", 5000, 5, currency="USD")]
    ledger = ledger_of((event(amount=2500), None))
    assert credited(invoices, ledger) == {"A": 2000, "B": 500, "U": 0}


def test_money_for_a_named_invoice_pays_it_and_any_excess_flows_to_the_oldest_other():
    invoices = [invoice("A", 2000, 10), invoice("B", 3000, 20)]
    ledger = ledger_of((event(amount=3500, invoice_id="B"), "B"))
    assert credited(invoices, ledger) == {"A": 500, "B": 3000}


def test_a_refund_takes_money_back_and_a_failure_moves_nothing():
    invoices = [invoice("A", 2000, 10)]
    ledger = ledger_of((event(amount=2000, invoice_id="A"), "A"),
                       (event(REFUNDED, amount=500, at=T0.replace(hour=10), event_id="evt_2", invoice_id="A"), "A"),
                       (event(FAILED, amount=2000, ref="pay_2", event_id="evt_3"), None))
    assert credited(invoices, ledger) == {"A": 1500}
    chargeback = ledger_of((event(amount=2000), None), (event(CHARGEBACK, amount=2000, event_id="e2"), None))
    assert credited(invoices, chargeback) == {"A": 0}


def test_the_latest_event_by_processor_time_wins_whatever_the_arrival_order():
    newer = event(amount=2000, at=T0.replace(hour=12), event_id="evt_new")
    older = event(amount=500, at=T0, event_id="evt_old")
    ledger, outcome = record_payment([], newer, None, 2000)
    assert outcome == APPLIED
    after, outcome = record_payment(ledger, older, None, 500)
    assert outcome == STALE and after == ledger
    same, outcome = record_payment(ledger, newer, None, 2000)
    assert outcome == UNCHANGED and same == ledger
    twin, outcome = record_payment(ledger, event(amount=2000, at=T0.replace(hour=13), event_id="evt_twin"), None, 2000)
    assert outcome == UNCHANGED


def test_a_failure_is_superseded_by_a_later_success_for_the_same_invoice():
    ledger = ledger_of((event(FAILED, amount=2000, ref="in_1", invoice_id="A"), "A"),
                       (event(SUCCEEDED, amount=2000, ref="in_1", at=T0.replace(hour=11), event_id="e2",
                              invoice_id="A"), "A"))
    failure = next(p for p in ledger if p.kind == FAILED)
    assert superseded_failure(ledger, failure)
    assert not superseded_failure(ledger[:1], failure)


def test_the_account_balance_and_open_invoices_follow_the_ledger():
    acct = Account("t", "a", "Ana", "es-ES", "standard", timezone="Europe/Madrid",
                   invoices=[invoice("A", 2000, 10), invoice("B", 3000, 20), invoice("P", 900, 1, status="paid")])
    acct.payments = ledger_of((event(amount=2500), None))
    assert acct.balance() == {"EUR": 2500}
    assert [(i.invoice_id, i.amount) for i in acct.open_invoices()] == [("B", 2500)]
    assert acct.anchor() == ("B@2026-11-20", date(2026, 11, 20))
    acct.payments = ledger_of((event(amount=5000), None))
    assert acct.balance() == {"EUR": 0} and not acct.owes_anything()


def test_an_event_already_on_the_ledger_is_unchanged_even_after_a_newer_one():
    older = event(amount=500, at=T0, event_id="evt_old")
    newer = event(amount=2000, at=T0.replace(hour=12), event_id="evt_new")
    ledger = ledger_of((older, None), (newer, None))
    again, outcome = record_payment(ledger, older, None, 500)
    assert outcome == UNCHANGED and again == ledger


def test_events_of_the_same_moment_end_the_same_whatever_their_arrival_order():
    first = event(amount=500, event_id="evt_a")
    second = event(amount=2000, event_id="evt_b")
    one_way, other_way = ledger_of((first, None), (second, None)), ledger_of((second, None), (first, None))
    assert [p.amount for p in one_way] == [p.amount for p in other_way] == [2000]


def test_the_same_money_under_a_newer_event_id_is_unchanged_but_remembered():
    paid = event(amount=2000, event_id="evt_paid")
    twin = event(amount=2000, at=T0.replace(hour=10), event_id="evt_twin")
    ledger, _ = record_payment([], paid, None, 2000)
    after, outcome = record_payment(ledger, twin, None, 2000)
    assert outcome == UNCHANGED
    assert [p.event_ids for p in after] == [("evt_paid", "evt_twin")]
    assert record_payment(after, twin, None, 2000) == (after, UNCHANGED)
