"""Settlement offers: made only from `offer_after_days` overdue, for the balance less the discount rounded
down to the minor unit, until a fixed day; accepted, settled by a payment by then, and lapsed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import settlement as s
from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.errors import Conflict
from chalicelib.domain.money import MAX_AMOUNT
from chalicelib.domain.policies import STANDARD, Policy

TERMS = s.SettlementTerms(discount_percent=10, valid_days=7, offer_after_days=30)
DUE = date(2026, 11, 1)
DAY_30 = date(2026, 12, 1)
AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def offer(owed: dict[str, int] | None = None, today: date = DAY_30,
          terms: s.SettlementTerms = TERMS) -> s.SettlementOffer | None:
    return s.make_offer(terms, owed or {"EUR": 10005}, DUE, today)


def test_no_offer_before_offer_after_days_and_one_on_the_day():
    assert offer(today=date(2026, 11, 30)) is None
    made = offer()
    assert made == s.SettlementOffer(9004, "EUR", date(2026, 12, 8), 10005)  # 9004.5 rounded down
    assert made.to_dict() == {"amount": 9004, "currency": "EUR", "valid_until": "2026-12-08", "accepted_at": None}


@pytest.mark.parametrize(("currency", "balance", "amount"), [("JPY", 999, 899), ("EUR", 4999, 4499),
                                                              ("KWD", 12345, 11110)])
def test_the_amount_is_rounded_down_to_the_minor_unit_in_every_exponent(currency, balance, amount):
    assert offer({currency: balance}).amount == amount


@given(balance=st.integers(1, MAX_AMOUNT), percent=st.integers(1, 50))
def test_the_discounted_amount_is_never_more_than_the_exact_one_and_less_by_under_one_minor_unit(balance, percent):
    amount = s.discounted(balance, percent)
    exact_times_100 = balance * (100 - percent)
    assert amount * 100 <= exact_times_100 < (amount + 1) * 100


def test_no_offer_without_terms_a_discount_something_overdue_or_a_single_currency():
    assert s.make_offer(None, {"EUR": 10000}, DUE, DAY_30) is None
    assert s.make_offer(TERMS, {"EUR": 10000}, None, DAY_30) is None
    assert offer(terms=s.SettlementTerms(0, 7, 30)) is None
    assert offer({"EUR": 10000, "USD": 500}) is None
    assert offer({"EUR": 10000, "USD": 0}).currency == "EUR"
    assert offer({"EUR": 0}) is None
    assert offer({"EUR": 1}) is None  # 10% off one cent leaves nothing to pay: that is a person's write-off


def test_an_account_is_offered_from_its_oldest_open_invoice_on_the_debtor_s_own_day():
    policy = Policy(name="p", steps=STANDARD.steps, settlement={"discount_percent": 10, "valid_days": 7,
                                                                "offer_after_days": 30})
    account = Account("t_1", "acct-1", "Ana", "en-US", "p", timezone="America/New_York", invoices=[
        Invoice("INV-2", 3000, "USD", date(2026, 11, 5), date(2026, 11, 20)),
        Invoice("INV-1", 7000, "USD", date(2026, 10, 15), date(2026, 11, 1))])
    # 04:30 UTC on 1 December is still 30 November in New York: 29 days overdue there.
    assert s.offer_for_account(account, policy, datetime(2026, 12, 1, 4, 30, tzinfo=UTC)) is None
    made = s.offer_for_account(account, policy, datetime(2026, 12, 1, 5, 30, tzinfo=UTC))
    assert made == s.SettlementOffer(9000, "USD", date(2026, 12, 8), 10000)


def test_the_policy_s_terms_with_the_default_for_a_policy_stored_before_offer_after_days():
    assert s.SettlementTerms.of(STANDARD) is None
    old = Policy(name="old", steps=STANDARD.steps, settlement={"discount_percent": 15, "valid_days": 10})
    assert s.SettlementTerms.of(old) == s.SettlementTerms(15, 10, 30)


def test_accepting_stamps_the_time_once_and_a_lapsed_offer_cannot_be_accepted():
    made = offer()
    accepted = s.accept(made, AT, date(2026, 12, 8), {"EUR": 10005})
    assert accepted.accepted_at == AT and accepted.to_dict()["accepted_at"] == "2026-12-02T09:00:00Z"
    assert s.accept(accepted, datetime(2026, 12, 3, tzinfo=UTC), date(2026, 12, 9), {"EUR": 10005}) == accepted
    with pytest.raises(Conflict, match="2026-12-08"):
        s.accept(made, AT, date(2026, 12, 9), {"EUR": 10005})
    with pytest.raises(Conflict, match="smaller balance"):
        s.accept(made, AT, DAY_30, {"EUR": 12000})


def test_a_payment_of_the_amount_by_the_last_day_settles_and_the_rest_is_forgiven():
    made = offer()
    assert s.settles(made, 9004, "EUR", date(2026, 12, 8))
    assert not s.settles(made, 9003, "EUR", date(2026, 12, 8))
    assert not s.settles(made, 9004, "EUR", date(2026, 12, 9))
    assert not s.settles(made, 9004, "USD", date(2026, 12, 1))
    assert s.forgiven(made, 9004) == 1001 and s.forgiven(made, 9500) == 505 and s.forgiven(made, 20000) == 0


def test_an_offer_lapses_after_its_last_day_or_when_the_debt_grows():
    made = offer()
    assert not s.lapsed(made, date(2026, 12, 8), {"EUR": 10005})
    assert not s.lapsed(made, date(2026, 12, 8), {"EUR": 3000})  # part paid: still stands
    assert s.lapsed(made, date(2026, 12, 9), {"EUR": 10005})
    assert s.lapsed(made, DAY_30, {"EUR": 10006})


def test_an_offer_is_stored_with_its_balance_and_reads_back():
    accepted = s.accept(offer(), AT, DAY_30, {"EUR": 10005})
    record = accepted.to_record()
    assert record["balance"] == 10005
    assert s.SettlementOffer.from_record(record) == accepted
    assert s.SettlementOffer.from_record(offer().to_record()) == offer()
