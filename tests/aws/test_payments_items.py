"""The ledger lives in the payments table, not in the account item (issue 12, "Items that stay small"): an item
stored before the table still reads as it did, and moves its lines out on its next write. The 2,000 payments on
one account run on DynamoDB Local (tests/integration/test_two_thousand_payments.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.adapters.dynamodb import mapping
from tests.aws.test_first_reminder import auth
from tests.aws.test_webhooks import get_account, set_secret
from tests.support import webhooks as wh
from tests.support.samples import account

AMOUNT = 100  # 1.00 EUR each
INVOICE = 300_000
START = datetime(2026, 9, 1, tzinfo=UTC)  # processors' times are in the past


def standard(i: int, kind: str = "payment.succeeded", amount: int = AMOUNT, msg: str | None = None
             ) -> tuple[bytes, dict[str, str]]:
    raw = wh.standard_succeeded_with(type=kind, timestamp=(START + timedelta(minutes=i)).isoformat(), data={
        "account_id": "acct-1", "payment_id": f"pay_{i:04d}", "amount": amount, "currency": "EUR",
        "invoice_id": "INV-BIG"})
    return raw, wh.standard_headers(raw, msg or f"msg_{kind}_{i:04d}")


def receive(aws, tenant, i: int, **kwargs):
    """The webhook path below HTTP (signature, parsing, PaymentService, the repositories on moto)."""
    raw, headers = standard(i, **kwargs)
    return [r.outcome for r in aws.payments.receive(tenant["tenant_id"], "standard", raw, headers)]


def stored_lines(aws, tenant) -> list:
    return list(aws.models.payments.query(mapping.account_key(tenant["tenant_id"], "acct-1")))


@pytest.fixture
def big_invoice(client, aws, tenant):
    body = account(invoices=[{"id": "INV-BIG", "amount": INVOICE, "currency": "EUR", "issued_on": "2026-08-01",
                              "due_on": "2026-08-15"}])
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(body)).status_code == 201
    set_secret(client, tenant, "standard", wh.STANDARD_SECRET)
    return tenant


def test_an_item_stored_with_its_whole_ledger_is_read_as_before_and_moved_out_on_its_next_write(
        client, aws, big_invoice):
    tenant = big_invoice
    # Given an account item written before the payments table: every line in its `payments`, no sums
    for i in range(3):
        assert receive(aws, tenant, i) == ["applied"]
    lines = [mapping.payment_record(p) for p in aws.account_repository.get(tenant["tenant_id"], "acct-1").payments]
    model = aws.models.accounts
    item = model.get(tenant["tenant_id"], "acct-1", consistent_read=True)
    for line in stored_lines(aws, tenant):
        line.delete()
    item.update(actions=[model.ledger.remove(), model.payments.set(lines)])

    # When it is read, it says what it said before
    assert get_account(client, tenant)["balance"] == {"EUR": INVOICE - 3 * AMOUNT}
    assert [p["payment_ref"] for p in get_account(client, tenant)["payments"]] == ["pay_0000", "pay_0001", "pay_0002"]
    assert receive(aws, tenant, 1) == ["unchanged"]  # its lines still recognise a redelivery
    assert stored_lines(aws, tenant) == []

    # When its next payment is written
    assert receive(aws, tenant, 3) == ["applied"]

    # Then its lines moved to the payments table with the new one, and the item carries the sums from now on
    assert sorted(line.line["payment_ref"] for line in stored_lines(aws, tenant)) == [
        "pay_0000", "pay_0001", "pay_0002", "pay_0003"]
    stored = model.get(tenant["tenant_id"], "acct-1", consistent_read=True)
    assert stored.ledger["lines"] == 4 and stored.ledger["received"] == {"EUR": 4 * AMOUNT}
    assert get_account(client, tenant)["balance"] == {"EUR": INVOICE - 4 * AMOUNT}
