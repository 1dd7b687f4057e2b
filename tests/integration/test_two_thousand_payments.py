"""The ledger lives in the payments table, not in the account item (issue 12, "Items that stay small"), proven on
Amazon's DynamoDB Local: 2,000 payments on one account leave its item small, while the balance, the API and the
debtor's page (served by `chalice local`) stay right, and a redelivery or a refund of a payment long gone from the
item's recent lines is still recognised.

The webhooks run below HTTP (signature, parsing, the payment use case, the repositories), in this process, so the
DynamoDB calls of one can be counted; what the debtor and the API see is read over HTTP. On moto this test peaked
at about 5 GB (moto copies every table a transaction touches) and took two and a half minutes."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from botocore.client import BaseClient

from chalicelib.adapters.dynamodb import mapping
from chalicelib.domain.payments import RECENT_LINES, SHOWN_LINES
from tests.integration.test_script_end_to_end import http, kindly, stack  # noqa: F401 - `stack` is a fixture
from tests.support import webhooks as wh
from tests.support.samples import account

PAYMENTS = 2000
AMOUNT = 100  # 1.00 EUR each
INVOICE = 300_000
START = datetime(2026, 9, 1, tzinfo=UTC)  # processors' times are in the past
SMALL_ITEM = 20_000  # bytes of JSON: DynamoDB's limit is 400 KB; the item used to grow ~250 bytes a payment


@pytest.fixture(scope="module")
def app(stack: dict[str, Any]) -> Iterator[Any]:  # noqa: F811 - the imported fixture
    """Kindly's container in this process, on the same DynamoDB Local tables and moto server as `chalice local`."""
    from chalicelib.bootstrap import container, reset

    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith(("AWS_", "KINDLY_")):
                env.delenv(name)
        for name, value in stack["env"].items():
            if name.startswith(("AWS_", "KINDLY_")):
                env.setenv(name, value)
        reset()
        yield container()
        reset()


@pytest.fixture(scope="module")
def debtor(stack: dict[str, Any], app: Any) -> dict[str, Any]:  # noqa: F811
    """A tenant of its own, one account owing 3,000.00 EUR, and the standard webhooks' secret."""
    tenant = json.loads(kindly(stack["env"], "tenant", "create", "--name", "Acme Cobros", "--sender-email",
                               "cobros@acme.example.com", "--country", "ES").stdout)
    headers = {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}
    body = account(invoices=[{"id": "INV-BIG", "amount": INVOICE, "currency": "EUR", "issued_on": "2026-08-01",
                              "due_on": "2026-08-15"}])
    assert http("PUT", f"{stack['api']}/v1/accounts/acct-1", body, headers)[0] == 201
    assert http("PUT", f"{stack['api']}/v1/webhook-secrets/standard", {"secret": wh.STANDARD_SECRET},
                headers)[0] == 204
    return {"tenant_id": tenant["tenant_id"], "headers": headers}


def receive(app: Any, debtor: dict[str, Any], i: int, kind: str = "payment.succeeded") -> list[str]:
    raw = wh.standard_succeeded_with(type=kind, timestamp=(START + timedelta(minutes=i)).isoformat(), data={
        "account_id": "acct-1", "payment_id": f"pay_{i:04d}", "amount": AMOUNT, "currency": "EUR",
        "invoice_id": "INV-BIG"})
    headers = wh.standard_headers(raw, f"msg_{kind}_{i:04d}")
    return [r.outcome for r in app.payments.receive(debtor["tenant_id"], "standard", raw, headers)]


@contextmanager
def dynamodb_calls() -> Iterator[Counter[str]]:
    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if self.meta.service_model.service_name == "dynamodb":
            calls[operation] += 1
        return original(self, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", counted):
        yield calls


def item_size(app: Any, debtor: dict[str, Any]) -> int:
    item = app.models.accounts.get(debtor["tenant_id"], "acct-1", consistent_read=True)
    return len(json.dumps(item.serialize()))


def stored_lines(app: Any, debtor: dict[str, Any]) -> int:
    key = mapping.account_key(debtor["tenant_id"], "acct-1")
    return sum(1 for _ in app.models.payments.query(key, consistent_read=True))


def shown(stack: dict[str, Any], debtor: dict[str, Any]) -> dict[str, Any]:  # noqa: F811
    status, body = http("GET", f"{stack['api']}/v1/accounts/acct-1", headers=debtor["headers"])
    assert status == 200, body
    return body


def test_two_thousand_payments_leave_the_account_item_small_and_the_money_right(stack, app, debtor):  # noqa: F811
    empty = item_size(app, debtor)

    # When 2,000 distinct payments of 1.00 EUR arrive, one webhook each
    for i in range(PAYMENTS - 1):
        assert receive(app, debtor, i) == ["applied"], i
    with dynamodb_calls() as calls:
        assert receive(app, debtor, PAYMENTS - 1) == ["applied"]

    # Then the last one cost what the first did: a read of the account and one transaction
    assert calls == Counter({"GetItem": 1, "TransactWriteItems": 1})

    # Then the account item stays small (it carries the recent lines and running sums, not the ledger)
    size = item_size(app, debtor)
    assert size < SMALL_ITEM, size
    assert size - empty < SMALL_ITEM
    stored = app.account_repository.get(debtor["tenant_id"], "acct-1")
    assert len(stored.payments) == RECENT_LINES
    # And every payment is a line of its own in the payments table
    assert stored_lines(app, debtor) == PAYMENTS

    # And the balance, the invoice and the figures count every payment, as the API shows them
    answer = shown(stack, debtor)
    assert answer["balance"] == {"EUR": INVOICE - PAYMENTS * AMOUNT}
    assert answer["invoices"][0]["amount_paid"] == PAYMENTS * AMOUNT
    assert stored.payment_totals() == ({"EUR": PAYMENTS * AMOUNT}, {})
    # And the API shows the latest payments, oldest of them first, read from the payments table
    assert [p["payment_ref"] for p in answer["payments"]] == [
        f"pay_{i:04d}" for i in range(PAYMENTS - SHOWN_LINES, PAYMENTS)]

    # When the first payment (long gone from the item's recent lines) is redelivered, and then refunded
    assert receive(app, debtor, 0) == ["unchanged"]
    assert receive(app, debtor, 0, kind="payment.refunded") == ["applied"]

    # Then the redelivery changed nothing and the refund reopened exactly its amount
    assert shown(stack, debtor)["balance"] == {"EUR": INVOICE - (PAYMENTS - 1) * AMOUNT}
    assert app.account_repository.get(debtor["tenant_id"], "acct-1").payment_totals() == (
        {"EUR": PAYMENTS * AMOUNT}, {"EUR": AMOUNT})
    assert stored_lines(app, debtor) == PAYMENTS + 1
    assert item_size(app, debtor) < SMALL_ITEM

    # And the debtor's page shows what is owed and the latest payments (the refund among them)
    status, html = http("GET", app.links.portal_url(debtor["tenant_id"], "acct-1", datetime.now(UTC)))
    assert status == 200
    assert "1.001,00\xa0€" in html  # es: what is still owed
    start = html.index('id="history"')
    history = html[start:html.index("</section>", start)]
    assert history.count("<li>") == SHOWN_LINES
