"""Disputes of one invoice: that invoice is held, the others go on (balances, the cycle's anchor, decide, plans,
offers, the page's answer to "what now?")."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from msgspec.structs import replace

from chalicelib.domain import accounts as acc
from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.decision import Send, Withhold, decide
from chalicelib.domain.disputes import OPENED, RESOLVED, can_dispute_one, dispute_invoice
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.page_arrangements import arrangements
from chalicelib.domain.payments import SUCCEEDED, Payment
from chalicelib.domain.plans import PlanRequest, quote_for_account, start_plan
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.schedule import refresh_schedule
from chalicelib.domain.settlement import SettlementOffer, offer_for_account
from chalicelib.domain.what_now import NEXT_REMINDER, PAUSED, what_now

pytestmark = pytest.mark.unit

MADRID = ZoneInfo("Europe/Madrid")
AT = datetime(2026, 11, 1, 9, tzinfo=UTC)
OLD = Invoice("INV-1", 12000, "EUR", date(2026, 10, 1), date(2026, 10, 15))  # the oldest: anchors the cycle
NEW = Invoice("INV-2", 4900, "EUR", date(2026, 11, 1), date(2026, 11, 15))


def madrid(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=MADRID)


def ana(*invoices: Invoice, disputed: tuple[str, ...] = (), **changes) -> Account:
    account = Account(tenant_id="t1", account_id="a1", name="Ana García", locale="es-ES", policy="standard",
                      email="ana@example.com", timezone="Europe/Madrid", country="ES",
                      invoices=list(invoices or (OLD, NEW)), **changes)
    for invoice_id in disputed:
        assert dispute_invoice(account, invoice_id, True, AT, "not ours", "key:k1") is not None
    refresh_schedule(account, STANDARD)
    return account


def test_a_disputed_invoice_leaves_what_is_asked_but_not_what_the_billing_system_says_is_owed():
    account = ana(disputed=("INV-1",))
    assert account.balance() == {"EUR": 16900}
    assert account.undisputed_balance() == {"EUR": 4900}
    assert [inv.invoice_id for inv in account.undisputed_invoices()] == ["INV-2"]
    assert [inv.invoice_id for inv in account.open_invoices()] == ["INV-1", "INV-2"]
    assert account.to_dict()["invoices"][0]["disputed"] is True
    assert account.to_dict()["invoices"][1]["disputed"] is False


def test_the_oldest_undisputed_invoice_anchors_the_cycle():
    assert ana().anchor() == ("INV-1@2026-10-15", date(2026, 10, 15))
    assert ana(disputed=("INV-1",)).anchor() == ("INV-2@2026-11-15", date(2026, 11, 15))


def test_the_other_invoice_goes_on_its_own_schedule():
    account = ana(disputed=("INV-1",))
    decision = decide(account, STANDARD, madrid(12, 10), lambda _c, _r: lambda _d: False)
    assert isinstance(decision, Send)  # INV-2's heads-up, three days before it falls due
    assert (decision.template, decision.due.cycle) == ("heads_up", "INV-2@2026-11-15")
    assert what_now(account, STANDARD, madrid(12, 10)).kind == NEXT_REMINDER


def test_when_every_open_invoice_is_disputed_reminders_are_withheld_like_an_account_wide_dispute():
    account = ana(disputed=("INV-1", "INV-2"))
    assert account.undisputed_balance() == {} and account.owes_anything()
    decision = decide(account, STANDARD, madrid(12, 10), lambda _c, _r: lambda _d: False)
    assert isinstance(decision, Withhold)
    assert (decision.rule, decision.holds_step) == ("dispute_open", True)
    assert (what_now(account, STANDARD, madrid(12, 10)).kind, what_now(account, STANDARD, madrid(12, 10)).flag) \
        == (PAUSED, "dispute")


def test_an_invoice_paid_in_full_does_not_count_as_still_owed_when_the_rest_is_disputed():
    paid = Payment("stripe", "pi_1", SUCCEEDED, 4900, "EUR", AT, "evt_1", "INV-2")
    account = ana(disputed=("INV-1",), payments=[paid])
    # What is left is all disputed: reminders withhold for the dispute, the account is not settled.
    assert account.owes_anything() and not account.owes_undisputed()
    assert [flag.name for flag in account.holding_flags(date(2026, 11, 12))] == ["dispute"]
    assert account.state != acc.SETTLED


def test_money_that_names_no_invoice_pays_the_undisputed_ones_first():
    loose = Payment("stripe", "pi_1", SUCCEEDED, 4900, "EUR", AT, "evt_1", None)
    account = ana(disputed=("INV-1",), payments=[loose])
    assert account.amounts_paid() == {"INV-1": 0, "INV-2": 4900}
    assert account.undisputed_balance() == {"EUR": 0}
    assert ana(payments=[loose]).amounts_paid() == {"INV-1": 4900, "INV-2": 0}  # without a dispute: oldest first


def test_money_that_names_the_disputed_invoice_is_still_credited_to_it():
    named = Payment("stripe", "pi_1", SUCCEEDED, 2000, "EUR", AT, "evt_1", "INV-1")
    account = ana(disputed=("INV-1",), payments=[named])
    assert account.balance() == {"EUR": 14900}
    assert account.undisputed_balance() == {"EUR": 4900}


def test_a_plan_is_quoted_on_the_undisputed_invoices_only():
    policy = replace(STANDARD, plans={**STANDARD.plans, "min_instalment": 100})
    request = PlanRequest("monthly", 2, date(2026, 12, 1))
    quoted = quote_for_account(request, ana(disputed=("INV-1",)), policy, madrid(20, 10))
    assert quoted.total == 4900
    assert quote_for_account(request, ana(), policy, madrid(20, 10)).total == 16900


def test_a_settlement_offer_leaves_the_disputed_invoice_out():
    policy = replace(STANDARD, settlement={"offer_after_days": 1, "discount_percent": 10, "valid_days": 14})
    offer = offer_for_account(ana(disputed=("INV-1",)), policy, madrid(20, 10))
    assert offer is not None and offer.balance == 4900


def test_the_page_offers_no_plan_when_nothing_undisputed_is_owed_and_no_pay_link_for_the_disputed_invoice():
    paying = ana(Invoice("INV-1", 12000, "EUR", date(2026, 10, 1), date(2026, 10, 15), payment_url="https://p/1"),
                 Invoice("INV-2", 4900, "EUR", date(2026, 11, 1), date(2026, 11, 15), payment_url="https://p/2"),
                 disputed=("INV-1",))
    assert arrangements(paying, STANDARD, madrid(20, 10))["currencies"] == ["EUR"]
    all_disputed = ana(disputed=("INV-1", "INV-2"))
    page = arrangements(all_disputed, STANDARD, madrid(20, 10))
    assert (page["can_plan"], page["can_promise"], page["currencies"]) == (False, False, [])


def test_lifting_the_dispute_brings_the_invoice_back_and_a_repeat_changes_nothing():
    account = ana(disputed=("INV-1",))
    assert dispute_invoice(account, "INV-1", True, AT, None, "key:k1") is None  # already disputed
    assert dispute_invoice(account, "INV-1", False, AT, None, "key:k1") == (RESOLVED, {"invoice_id": "INV-1"})
    assert account.undisputed_balance() == {"EUR": 16900}
    assert dispute_invoice(account, "INV-1", False, AT, None, "key:k1") is None
    assert [inv.invoice_id for inv in account.undisputed_invoices()] == ["INV-1", "INV-2"]


def test_opening_a_dispute_says_which_invoice():
    account = ana()
    assert dispute_invoice(account, "INV-2", True, AT, "never ordered", "debtor:portal") == (
        OPENED, {"invoice_id": "INV-2", "note_given": True})
    assert account.invoice_disputes["INV-2"].set_by == "debtor:portal"


@pytest.mark.parametrize("invoice, error", [
    (None, NotFound),  # not an invoice of this account
    (replace(NEW, status="paid"), Conflict),
    (replace(NEW, status="void"), Conflict),
])
def test_an_unknown_or_settled_invoice_cannot_be_disputed_and_nothing_changes(invoice, error):
    account = ana(OLD, *(inv for inv in [invoice] if inv is not None))
    before = copy.deepcopy(account)
    with pytest.raises(error) as raised:
        dispute_invoice(account, "INV-2", True, AT, None, "key:k1")
    assert raised.value.field == "invoice_id"
    assert account == before


def test_an_invoice_the_ledger_paid_in_full_cannot_be_disputed():
    paid = Payment("stripe", "pi_1", SUCCEEDED, 4900, "EUR", AT, "evt_1", "INV-2")
    account = ana(payments=[paid])
    with pytest.raises(Conflict, match="already paid"):
        dispute_invoice(account, "INV-2", True, AT, None, "key:k1")
    assert account.invoice_disputes == {}


def test_a_dispute_of_an_invoice_the_billing_system_later_drops_holds_nothing():
    account = ana(disputed=("INV-1",))
    account.invoices = [NEW]
    assert account.disputed_invoice_ids() == frozenset()
    assert account.undisputed_balance() == {"EUR": 4900}


def test_an_invoice_an_active_plan_or_an_accepted_offer_covers_cannot_be_disputed_alone():
    policy = replace(STANDARD, plans={**STANDARD.plans, "min_instalment": 100})
    quoted = quote_for_account(PlanRequest("monthly", 2, date(2026, 12, 1)), ana(), policy, madrid(20, 10))
    planned = ana(plan=start_plan(quoted, "monthly", "tenant", AT))
    accepted = ana(settlement_offer=SettlementOffer(15210, "EUR", date(2026, 12, 1), 16900, accepted_at=AT))
    for account in (planned, accepted):
        assert not can_dispute_one(account)
        with pytest.raises(Conflict) as raised:
            dispute_invoice(account, "INV-1", True, AT, None, "key:k1")
        assert raised.value.field == "invoice_id" and account.invoice_disputes == {}
    assert can_dispute_one(ana())


def test_a_standing_offer_made_on_the_whole_balance_is_withdrawn_when_one_invoice_is_disputed():
    account = ana(settlement_offer=SettlementOffer(15210, "EUR", date(2026, 12, 1), 16900))
    assert dispute_invoice(account, "INV-1", True, AT, None, "key:k1") == (
        OPENED, {"invoice_id": "INV-1", "note_given": False, "settlement_offer_withdrawn": True})
    assert account.settlement_offer is None
