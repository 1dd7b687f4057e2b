"""The ledger lives in the payments table, not in the account item (issue 12, "Items that stay small"): 2,000
payments leave the account item small, while the balance, the figures, the API and the debtor's page stay right,
and a redelivery or a refund of a payment long gone from the item's recent lines is still recognised."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from botocore.client import BaseClient

from chalicelib.adapters.dynamodb import mapping
from chalicelib.domain.payments import RECENT_LINES, SHOWN_LINES
from tests.aws.test_first_reminder import auth
from tests.aws.test_webhooks import get_account, set_secret
from tests.support import webhooks as wh
from tests.support.samples import account

PAYMENTS = 2000
AMOUNT = 100  # 1.00 EUR each
INVOICE = 300_000
START = datetime(2026, 9, 1, tzinfo=UTC)  # processors' times are in the past
SMALL_ITEM = 20_000  # bytes of JSON: DynamoDB's limit is 400 KB; the item used to grow ~250 bytes a payment


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


@contextmanager
def dynamodb_calls() -> Iterator[Counter[str]]:
    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            calls[operation] += 1
        return original(self, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", counted):
        yield calls


def item_size(aws, tenant) -> int:
    item = aws.models.accounts.get(tenant["tenant_id"], "acct-1", consistent_read=True)
    return len(json.dumps(item.serialize()))


def stored_lines(aws, tenant) -> list:
    return list(aws.models.payments.query(mapping.account_key(tenant["tenant_id"], "acct-1")))


@pytest.fixture
def without_the_accounts_stream(aws):
    """moto keeps every record of a table's stream in memory and deep-copies each table a transaction touches,
    stream included: 2,000 account writes grew the test process past 20 GB. These tests are about the item, not
    the figures (tests/aws/test_figures_stream.py), so the accounts table's stream is taken away here (moto's
    UpdateTable cannot turn a stream off)."""
    from moto.dynamodb.models import dynamodb_backends

    from tests.aws.conftest import MOTO_ACCOUNT, REGION

    table = dynamodb_backends[MOTO_ACCOUNT][REGION].tables[aws.settings.table_names["accounts"]]
    table.stream_shard = None


@pytest.fixture
def big_invoice(client, aws, tenant, without_the_accounts_stream):
    body = account(invoices=[{"id": "INV-BIG", "amount": INVOICE, "currency": "EUR", "issued_on": "2026-08-01",
                              "due_on": "2026-08-15"}])
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(body)).status_code == 201
    set_secret(client, tenant, "standard", wh.STANDARD_SECRET)
    return tenant


def test_two_thousand_payments_leave_the_account_item_small_and_the_money_right(client, aws, big_invoice):
    tenant = big_invoice
    empty = item_size(aws, tenant)

    # When 2,000 distinct payments of 1.00 EUR arrive, one webhook each
    for i in range(PAYMENTS - 1):
        assert receive(aws, tenant, i) == ["applied"], i
    with dynamodb_calls() as calls:
        assert receive(aws, tenant, PAYMENTS - 1) == ["applied"]

    # Then the last one cost what the first did: a read of the account and one transaction
    assert calls == Counter({"GetItem": 1, "TransactWriteItems": 1})

    # Then the account item stays small (it carries the recent lines and running sums, not the ledger)
    size = item_size(aws, tenant)
    assert size < SMALL_ITEM, size
    assert size - empty < SMALL_ITEM
    stored = aws.account_repository.get(tenant["tenant_id"], "acct-1")
    assert len(stored.payments) == RECENT_LINES
    # And every payment is a line of its own in the payments table
    assert len(stored_lines(aws, tenant)) == PAYMENTS

    # And the balance, the invoice and the figures count every payment
    shown = get_account(client, tenant)
    assert shown["balance"] == {"EUR": INVOICE - PAYMENTS * AMOUNT}
    assert shown["invoices"][0]["amount_paid"] == PAYMENTS * AMOUNT
    assert stored.payment_totals() == ({"EUR": PAYMENTS * AMOUNT}, {})
    # And the API shows the latest payments, oldest of them first, read from the payments table
    assert [p["payment_ref"] for p in shown["payments"]] == [
        f"pay_{i:04d}" for i in range(PAYMENTS - SHOWN_LINES, PAYMENTS)]

    # When the first payment (long gone from the item's recent lines) is redelivered, and then refunded
    assert receive(aws, tenant, 0) == ["unchanged"]
    assert receive(aws, tenant, 0, kind="payment.refunded", amount=AMOUNT) == ["applied"]

    # Then the redelivery changed nothing and the refund reopened exactly its amount
    shown = get_account(client, tenant)
    assert shown["balance"] == {"EUR": INVOICE - (PAYMENTS - 1) * AMOUNT}
    assert aws.account_repository.get(tenant["tenant_id"], "acct-1").payment_totals() == (
        {"EUR": PAYMENTS * AMOUNT}, {"EUR": AMOUNT})
    assert len(stored_lines(aws, tenant)) == PAYMENTS + 1
    assert item_size(aws, tenant) < SMALL_ITEM

    # And the debtor's page shows what is owed and the latest payments (the refund among them)
    path = aws.links.portal_url(tenant["tenant_id"], "acct-1", datetime.now(UTC)).removeprefix(
        aws.settings.public_base_url)
    page = client.http.get(path)
    assert page.status_code == 200
    html = page.body.decode()
    assert "1.001,00\xa0€" in html  # es: what is still owed
    start = html.index('id="history"')
    history = html[start:html.index("</section>", start)]
    assert history.count("<li>") == SHOWN_LINES


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
