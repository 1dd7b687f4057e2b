"""A payment that came before its account waits for it; an account written while the payment was being parked
(its intake looked for waiting payments a moment too early) still gets it."""

from __future__ import annotations

from datetime import datetime

from msgspec.structs import replace

from chalicelib.adapters.clock import FixedClock
from chalicelib.adapters.processors import parser_for
from chalicelib.domain.payments import PaymentEvent
from chalicelib.services.payments import PaymentService
from tests.fakes import FakeAccounts, FakeFinanceNotifier, FakeParkedPayments
from tests.unit.services.test_payments_redelivery import (
    ACCOUNT,
    NOW,
    TENANT,
    Spec,
    built_in_policies,
    secrets,
    signed,
    the_account,
)


class AccountArrivesWhileParking(FakeParkedPayments):
    """Intake wrote the account (and found nothing waiting) just before this payment was parked."""

    def __init__(self, accounts: FakeAccounts) -> None:
        super().__init__()
        self._accounts = accounts

    def park(self, tenant_id: str, keys: list[str], event: PaymentEvent, until: datetime) -> None:
        self._accounts.put(the_account())
        super().park(tenant_id, keys, event, until)


def service(accounts, parking):
    return PaymentService(accounts=accounts, secrets=secrets(), policies=built_in_policies(),
                          notifier=FakeFinanceNotifier(), clock=FixedClock(NOW), parser_for=parser_for, parked=parking)


def test_an_account_written_while_its_payment_is_parked_still_gets_it():
    accounts = FakeAccounts()
    parking = AccountArrivesWhileParking(accounts)
    body, headers = signed("standard", Spec("evt_1", "payment_succeeded", 0, 0, 4900, 0))

    [result] = service(accounts, parking).receive(TENANT, "standard", body, headers)

    assert result.outcome == "applied"
    assert accounts.get(TENANT, ACCOUNT).balance() == {"EUR": 7000 + 3000}
    assert parking.items == {}


def test_waiting_payments_are_applied_once_in_the_order_they_happened():
    accounts, parking = FakeAccounts(), FakeParkedPayments()
    payments = service(accounts, parking)
    for spec in (Spec("evt_2", "payment_succeeded", 0, 5, 4900, None), Spec("evt_1", "payment_succeeded", 0, 1,
                                                                               2000, None)):
        body, headers = signed("stripe", spec)
        assert [r.outcome for r in payments.receive(TENANT, "stripe", body, headers)] == ["held_for_account"]

    accounts.put(the_account())
    assert payments.apply_waiting(accounts.get(TENANT, ACCOUNT)) is True

    stored = accounts.get(TENANT, ACCOUNT)
    assert [(e.type, e.details["event_id"]) for e in accounts.events(TENANT, ACCOUNT)] == [
        ("payment_succeeded", "evt_1"), ("payment_succeeded", "evt_2")]
    assert stored.amounts_paid()["INV-A"] == 4900 and parking.items == {}
    assert payments.apply_waiting(stored) is False


def test_an_amountless_payment_for_an_account_owing_nothing_is_not_parked_to_guess_at_a_later_invoice():
    # Given an account that exists but owes nothing (its invoices are void), and a GoCardless payment with no
    # amount and no currency: there is no invoice it could be settling
    accounts, parking = FakeAccounts(), FakeParkedPayments()
    accounts.put(replace(the_account(), invoices=[replace(i, status="void") for i in the_account().invoices]))
    body, headers = signed("gocardless", Spec("EV1", "payment_succeeded", 0, 0, 0, None))

    [result] = service(accounts, parking).receive(TENANT, "gocardless", body, headers)

    # Then it is not kept to settle whatever invoice comes next at that invoice's amount
    assert result.outcome == "no_matching_account"
    assert parking.items == {} and accounts.get(TENANT, ACCOUNT).payments == []
