"""Property: for every processor, redeliveries and replays of signed webhooks change nothing. Any sequence of
events gives the same ledger, balance, audit trail, thank-you and finance notices whether or not some of them
arrive again later; and an event applied once is answered `unchanged` ever after.

The bodies are the processors' own shapes, signed with their schemes and read by the real parsers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.adapters.clock import FixedClock
from chalicelib.adapters.processors import parser_for
from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.payments import CHARGEBACK, FAILED, KINDS, REFUNDED, SUCCEEDED
from chalicelib.services.payments import PaymentService
from chalicelib.services.policies import PolicyService
from tests.fakes import FakeAccounts, FakeFinanceNotifier, FakeParkedPayments, FakePolicies, FakeWebhookSecrets
from tests.support import webhooks as wh

TENANT, ACCOUNT = "t_1", "acct-1"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
INVOICES = ("INV-A", "INV-B", "INV-C")
SECRETS = {"stripe": wh.STRIPE_SECRET, "paddle": wh.PADDLE_SECRET, "gocardless": wh.GOCARDLESS_SECRET,
           "standard": wh.STANDARD_SECRET}


def secrets() -> FakeWebhookSecrets:
    return FakeWebhookSecrets({(TENANT, provider): secret for provider, secret in SECRETS.items()})


def built_in_policies() -> PolicyService:
    """The policy service as wired, over a tenant with no policies of its own: the built-in ones apply."""
    return PolicyService(FakePolicies(), FixedClock(NOW), lambda: {})


@dataclass(frozen=True)
class Spec:
    """One event as a processor would report it: which payment (0 or 1), what happened, when, how much."""

    event_id: str
    kind: str
    payment: int
    minutes: int
    amount: int
    invoice: int | None


def the_account() -> Account:
    invoices = [Invoice(invoice_id, amount, "EUR", date(2026, 11, 1), date(2026, 11, 10 + 5 * i),
                        processor_invoice_id=f"in_{i}")
                for i, (invoice_id, amount) in enumerate(zip(INVOICES, (4900, 7000, 3000), strict=True))]
    return Account(TENANT, ACCOUNT, "Ana", "es-ES", "standard", email="ana@example.com", timezone="Europe/Madrid",
                   processor_ids={"stripe": "cus_1", "paddle": "ctm_1", "gocardless": "CU1"}, invoices=invoices)


# --- each processor's body for a spec -----------------------------------------------------------------

def signed(provider: str, spec: Spec) -> tuple[bytes, dict[str, str]]:
    at = T0 + timedelta(minutes=spec.minutes)
    if provider == "stripe":
        payload = wh.body(wh.stripe_event(*_stripe(spec), spec.event_id, int(at.timestamp())))
        return payload, wh.stripe_headers(payload)
    if provider == "paddle":
        payload = wh.body({"event_id": spec.event_id, "occurred_at": at.isoformat(), **_paddle(spec)})
        return payload, wh.paddle_headers(payload)
    if provider == "gocardless":
        payload = wh.body({"events": [_gocardless(spec, at)]})
        return payload, wh.gocardless_headers(payload)
    payload = wh.body(_standard(spec, at))
    return payload, wh.standard_headers(payload, spec.event_id)


def _stripe(spec: Spec) -> tuple[str, dict[str, Any]]:
    invoice = f"in_{spec.payment}"
    common = {"customer": "cus_1", "currency": "eur", "metadata": {}}
    if spec.kind == SUCCEEDED:
        return "invoice.paid", {"id": invoice, "object": "invoice", "amount_paid": spec.amount, **common}
    if spec.kind == FAILED:
        return "invoice.payment_failed", {"id": invoice, "object": "invoice", "amount_due": spec.amount,
                                          "hosted_invoice_url": f"https://invoice.stripe.test/{invoice}", **common}
    if spec.kind == REFUNDED:
        return "charge.refunded", {"id": f"ch_{spec.payment}", "object": "charge", "invoice": invoice,
                                   "amount_refunded": spec.amount, **common}
    return "charge.dispute.created", {"id": f"dp_{spec.payment}", "object": "dispute", "charge": f"ch_{spec.payment}",
                                      "amount": spec.amount, **common}


def _paddle(spec: Spec) -> dict[str, Any]:
    transaction = f"txn_{spec.payment}"
    custom = {"kindly_account_id": ACCOUNT}
    if spec.invoice is not None:
        custom["kindly_invoice_id"] = INVOICES[spec.invoice]
    if spec.kind in (SUCCEEDED, FAILED):
        event_type = "transaction.completed" if spec.kind == SUCCEEDED else "transaction.payment_failed"
        return {"event_type": event_type, "data": {
            "id": transaction, "customer_id": "ctm_1", "currency_code": "EUR", "custom_data": custom,
            "details": {"totals": {"grand_total": str(spec.amount)}}}}
    return {"event_type": "adjustment.created", "data": {
        "id": f"adj_{spec.payment}", "transaction_id": transaction, "customer_id": "ctm_1", "currency_code": "EUR",
        "action": "refund" if spec.kind == REFUNDED else "chargeback", "status": "approved", "custom_data": custom,
        "totals": {"total": str(spec.amount)}}}


def _gocardless(spec: Spec, at: datetime) -> dict[str, Any]:
    resource, action = {SUCCEEDED: ("payments", "confirmed"), FAILED: ("payments", "failed"),
                        CHARGEBACK: ("payments", "charged_back"), REFUNDED: ("refunds", "created")}[spec.kind]
    metadata = {"kindly_account_id": ACCOUNT}
    if spec.invoice is not None:
        metadata["kindly_invoice_id"] = INVOICES[spec.invoice]
    return {"id": spec.event_id, "created_at": at.isoformat().replace("+00:00", "Z"), "resource_type": resource,
            "action": action, "links": {"payment": f"PM{spec.payment}", "customer": "CU1"},
            "resource_metadata": metadata}


def _standard(spec: Spec, at: datetime) -> dict[str, Any]:
    kind = {SUCCEEDED: "payment.succeeded", FAILED: "payment.failed", REFUNDED: "payment.refunded",
            CHARGEBACK: "payment.charged_back"}[spec.kind]
    return {"type": kind, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": {
        "account_id": ACCOUNT, "payment_id": f"pay_{spec.payment}", "amount": spec.amount, "currency": "EUR",
        "invoice_id": INVOICES[spec.invoice] if spec.invoice is not None else None}}


# --- running a sequence of deliveries -----------------------------------------------------------------

def deliver(provider: str, deliveries: list[Spec]) -> tuple[FakeAccounts, FakeFinanceNotifier, list[str]]:
    accounts, finance = FakeAccounts(), FakeFinanceNotifier()
    accounts.put(the_account())
    service = PaymentService(accounts=accounts, secrets=secrets(), policies=built_in_policies(),
                             notifier=finance, clock=FixedClock(NOW), parser_for=parser_for,
                             parked=FakeParkedPayments())
    outcomes = []
    for spec in deliveries:
        body, headers = signed(provider, spec)
        [result] = service.receive(TENANT, provider, body, headers)
        outcomes.append(result.outcome)
    return accounts, finance, outcomes


def observable(accounts: FakeAccounts, finance: FakeFinanceNotifier) -> dict[str, Any]:
    stored = accounts.get(TENANT, ACCOUNT)
    assert stored is not None
    return {"ledger": stored.payments, "balance": stored.balance(), "paid": stored.amounts_paid(),
            "state": stored.state, "thanks": stored.pending_thanks,
            "audit": [(e.type, e.actor, json.dumps(e.details, sort_keys=True))
                      for e in accounts.events(TENANT, ACCOUNT)],
            "finance": finance.published}


specs = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 1), st.integers(0, 3), st.sampled_from((0, 1000, 2500, 4900)),
              st.sampled_from((None, 0, 1, 2))),
    min_size=1, max_size=6,
).map(lambda drawn: [Spec(f"evt_{i}", *fields) for i, fields in enumerate(drawn)])


@pytest.mark.parametrize("provider", ["stripe", "paddle", "gocardless", "standard"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=specs, data=st.data())
def test_redeliveries_and_replays_change_nothing(provider, events, data):
    # Given a sequence of distinct events, and the same sequence with some delivered again later
    with_replays: list[Spec] = []
    for index, spec in enumerate(events):
        with_replays.append(spec)
        again = data.draw(st.lists(st.integers(0, index), max_size=2), label=f"replayed after {spec.event_id}")
        with_replays += [events[i] for i in again]

    # When each sequence is delivered to its own copy of the account
    once, once_finance, first_outcomes = deliver(provider, events)
    twice, twice_finance, outcomes = deliver(provider, with_replays)

    # Then the account ends the same, and no redelivery applied anything
    assert observable(twice, twice_finance) == observable(once, once_finance)
    applied = {spec.event_id for spec, outcome in zip(events, first_outcomes, strict=True) if outcome == "applied"}
    seen: set[str] = set()
    for spec, outcome in zip(with_replays, outcomes, strict=True):
        if spec.event_id in seen:
            assert outcome != "applied", f"{spec.event_id} applied again"
            if spec.event_id in applied:
                assert outcome == "unchanged", f"{spec.event_id} redelivered: {outcome}"
        seen.add(spec.event_id)
