"""The account's table item keeps what Kindly owns: a dispute of one invoice survives the round trip."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.adapters.dynamodb.mapping import account_to_item, item_to_account
from chalicelib.adapters.dynamodb.models import AccountModel
from chalicelib.domain.accounts import Account, Flag, Invoice
from chalicelib.domain.disputes import dispute_invoice

pytestmark = pytest.mark.unit

AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def account() -> Account:
    return Account(tenant_id="t1", account_id="a1", name="Ana García", locale="es-ES", policy="standard",
                   timezone="Europe/Madrid", invoices=[
                       Invoice("INV-1", 12000, "EUR", date(2026, 10, 1), date(2026, 10, 15)),
                       Invoice("INV-2", 4900, "EUR", date(2026, 11, 1), date(2026, 11, 15))],
                   flags={"hardship": Flag("hardship", True, AT, date(2026, 12, 20), None, "debtor:portal")})


def test_a_dispute_of_one_invoice_round_trips_with_its_note_and_actor():
    disputed = account()
    dispute_invoice(disputed, "INV-1", True, AT, "cancelled in September", "api_key:k1")

    back = item_to_account(account_to_item(disputed, AccountModel, 16))

    assert back.invoice_disputes == disputed.invoice_disputes
    assert back.invoice_disputes["INV-1"] == Flag("dispute", True, AT, None, "cancelled in September", "api_key:k1")
    assert back.flags == disputed.flags
    assert back.undisputed_balance() == {"EUR": 4900}


def test_an_item_written_before_invoice_disputes_existed_reads_as_none_disputed():
    item = account_to_item(account(), AccountModel, 16)
    assert item.invoice_disputes is None  # nothing stored for an account without one
    assert item_to_account(item).invoice_disputes == {}
