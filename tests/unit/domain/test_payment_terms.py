"""What an event means for an account when the processor leaves things out (GoCardless names no amount and no
currency): which invoice it pays, in which currency, how much, and that a recorded line is never re-decided."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from msgspec.structs import replace

from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.payments import (
    CHARGEBACK,
    FAILED,
    REFUNDED,
    SUCCEEDED,
    PaymentEvent,
    brings_money,
    invoice_of,
    ledger_amount,
    record_payment,
    terms,
    with_currency,
)

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def invoice(invoice_id, amount, due, currency="EUR", status="open", processor_invoice_id=None):
    return Invoice(invoice_id, amount, currency, date(2026, 11, 1), date(2026, 11, due), status,
                   processor_invoice_id=processor_invoice_id)


def account(*invoices, payments=()):
    return Account("t", "a", "Ana", "es-ES", "standard", timezone="Europe/Madrid", invoices=list(invoices),
                   payments=list(payments))


def gocardless(kind=SUCCEEDED, ref="PM1", event_id="EV1", at=T0, **named):
    """An event as GoCardless sends it: no amount, no currency."""
    return PaymentEvent("gocardless", event_id, kind, at, ref, None, None, **named)


def recorded(acct, event):
    """The account with the event recorded as terms() decides it."""
    event, invoice_id = terms(acct, event)
    acct.payments, _ = record_payment(acct.payments, event, invoice_id, event.amount)
    return acct


# --- invoice_of -------------------------------------------------------------------------------------

def test_the_invoice_is_the_one_the_metadata_names_when_the_account_has_it():
    acct = account(invoice("A", 2000, 10, processor_invoice_id="in_A"), invoice("B", 3000, 20))
    assert invoice_of(acct, gocardless(invoice_id="B", invoice_ref="in_A")) == "B"


def test_else_the_invoice_is_found_by_the_processors_invoice_id():
    acct = account(invoice("A", 2000, 10, processor_invoice_id="in_A"), invoice("B", 3000, 20))
    assert invoice_of(acct, gocardless(invoice_id="Z", invoice_ref="in_A")) == "A"
    assert invoice_of(acct, gocardless(invoice_id="Z", invoice_ref="in_Z")) is None
    assert invoice_of(acct, gocardless()) is None


# --- with_currency ----------------------------------------------------------------------------------

def test_a_named_currency_is_kept():
    acct = account(invoice("A", 2000, 10, currency="USD"))
    assert with_currency(acct, replace(gocardless(), currency="GBP"), "A").currency == "GBP"


def test_no_currency_takes_the_invoices_then_the_oldest_open_ones():
    acct = account(invoice("B", 3000, 20, currency="GBP"), invoice("A", 2000, 10, currency="USD"),
                   invoice("P", 500, 1, currency="CHF", status="paid"))
    assert with_currency(acct, gocardless(), "B").currency == "GBP"
    assert with_currency(acct, gocardless(), "P").currency == "CHF"  # the invoice it names, even a paid one
    assert with_currency(acct, gocardless(), None).currency == "USD"
    assert with_currency(account(), gocardless(), None).currency is None


def test_a_refund_takes_the_currency_of_the_payment_it_refers_to():
    acct = recorded(account(invoice("A", 2000, 10, currency="GBP")), gocardless())
    acct.invoices.append(invoice("U", 900, 1, currency="USD"))
    assert with_currency(acct, gocardless(REFUNDED, event_id="EV2"), None).currency == "GBP"


# --- terms ------------------------------------------------------------------------------------------

def test_an_amountless_payment_settles_the_invoice_it_names():
    acct = account(invoice("A", 2000, 10), invoice("B", 3000, 20))
    event, invoice_id = terms(acct, gocardless(invoice_id="B"))
    assert (event.amount, event.currency, invoice_id) == (3000, "EUR", "B")


def test_an_amountless_payment_naming_no_invoice_settles_the_oldest_open_one_in_its_currency():
    acct = account(invoice("B", 3000, 20), invoice("A", 2000, 10), invoice("U", 700, 1, currency="USD"),
                   invoice("P", 400, 2, status="paid"))
    event, invoice_id = terms(acct, replace(gocardless(), currency="EUR"))
    assert (event.amount, invoice_id) == (2000, "A")


def test_an_amountless_payment_settles_what_is_left_of_a_part_paid_invoice():
    acct = account(invoice("A", 2000, 10))
    acct.payments, _ = record_payment([], PaymentEvent("stripe", "e0", SUCCEEDED, T0, "ch_1", "EUR", 500), "A", 500)
    event, invoice_id = terms(acct, gocardless())
    assert (event.amount, invoice_id) == (1500, "A")


def test_an_amountless_payment_to_an_account_owing_nothing_in_its_currency_moves_nothing():
    event, invoice_id = terms(account(invoice("A", 2000, 10, status="paid")), replace(gocardless(), currency="EUR"))
    assert (event.amount, invoice_id) == (0, None)
    event, _ = terms(account(), gocardless())
    assert (event.amount, event.currency) == (None, None)  # no currency to pay in: the service does not guess


@pytest.mark.parametrize("kind", [REFUNDED, CHARGEBACK])
def test_an_amountless_refund_takes_back_the_whole_payment_and_its_invoice(kind):
    acct = recorded(account(invoice("A", 2000, 10), invoice("B", 3000, 20)), gocardless(invoice_id="B"))
    event, invoice_id = terms(acct, gocardless(kind, event_id="EV2"))
    assert (event.amount, event.currency, invoice_id) == (3000, "EUR", "B")


def test_an_amountless_refund_before_its_payment_is_zero_until_the_payment_comes():
    event, invoice_id = terms(account(invoice("A", 2000, 10)), gocardless(REFUNDED))
    assert (event.amount, invoice_id) == (0, None)


def test_an_amountless_failure_moves_nothing():
    event, _ = terms(account(invoice("A", 2000, 10)), gocardless(FAILED))
    assert event.amount == 0


def test_a_recorded_line_keeps_its_amount_and_invoice_whatever_is_open_now():
    acct = recorded(account(invoice("A", 2000, 10)), gocardless())
    acct.invoices.append(invoice("Z", 9000, 1))  # an older invoice arrives after the money did
    event, invoice_id = terms(acct, gocardless(event_id="EV_later", at=T0.replace(hour=12)))
    assert (event.amount, event.currency, invoice_id) == (2000, "EUR", "A")


def test_a_recorded_line_takes_a_new_amount_only_when_the_processor_names_one():
    acct = recorded(account(invoice("A", 2000, 10)), gocardless())
    event, invoice_id = terms(acct, replace(gocardless(event_id="EV3"), amount=1200))
    assert (event.amount, invoice_id) == (1200, "A")


# --- ledger_amount and brings_money -----------------------------------------------------------------

def test_the_ledger_amount_is_the_events_line_after_recording():
    acct = recorded(account(invoice("A", 2000, 10)), gocardless())
    assert ledger_amount(acct.payments, gocardless()) == 2000
    with pytest.raises(ValueError):
        ledger_amount(acct.payments, gocardless(REFUNDED))


def test_money_is_brought_only_by_a_success_adding_to_its_line():
    first = recorded(account(invoice("A", 2000, 10)), gocardless())
    assert brings_money(first.payments, gocardless(), None)
    line = first.payments[0]
    assert not brings_money(first.payments, gocardless(), line)  # the same money again
    bigger, _ = record_payment(first.payments, replace(gocardless(event_id="EV4", at=T0.replace(hour=10)),
                                                       currency="EUR", amount=2500), "A", 2500)
    assert brings_money(bigger, gocardless(), line)
    refunded = recorded(first, gocardless(REFUNDED, event_id="EV5"))
    assert not brings_money(refunded.payments, gocardless(REFUNDED), None)
