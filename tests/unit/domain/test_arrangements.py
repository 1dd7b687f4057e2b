"""domain/arrangements.py: money moving on the ledger pays the plan's instalments earliest first, whatever the
run of payments and refunds, in whatever chunks; an open promise is kept by enough money in time; a standing
settlement offer settles the account for less."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import plans as p
from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.arrangements import follow_money
from chalicelib.domain.payments import REFUNDED, SUCCEEDED, Payment
from chalicelib.domain.promises import Promise
from chalicelib.domain.settlement import SettlementOffer

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
PAID_ON = date(2026, 12, 1)


def account_with_plan(total: int, count: int, currency: str = "JPY") -> Account:
    account = Account("t_1", "acct-1", "Ana", "es-ES", "standard", timezone="Europe/Madrid",
                      invoices=[Invoice("INV-1", total, currency, date(2026, 11, 1), date(2026, 11, 15))])
    quoted = p.quote(p.PlanRequest(p.MONTHLY, count, date(2026, 12, 15)), account.balance(),
                     p.PlanLimits(max_instalments=24, min_instalment=0, max_months=36), PAID_ON)
    account.plan = p.start_plan(quoted, p.MONTHLY, "tenant", AT)
    return account


def move(account: Account, n: int, kind: str, amount: int) -> None:
    """Record one ledger line (as a processor's webhook would) and follow the money."""
    before = account.balance()
    line = Payment("stripe", f"ch_{n}", kind, amount, account.invoices[0].currency, AT + timedelta(minutes=n),
                   f"evt_{n}")
    account.payments = [*account.payments, line]
    follow_money(account, before, PAID_ON, 3, AT)


def assert_earliest_first(plan: p.Plan) -> None:
    paid = [inst.paid for inst in plan.instalments]
    partly = [i for i, inst in enumerate(plan.instalments) if 0 < inst.paid < inst.amount]
    assert len(partly) <= 1
    first_unpaid = next((i for i, inst in enumerate(plan.instalments) if inst.paid < inst.amount), len(paid))
    assert all(inst.paid == 0 for inst in plan.instalments[first_unpaid + 1:])
    assert all(inst.status == p.PAID for inst in plan.instalments[:first_unpaid])


@given(total=st.integers(2, 10**9), count=st.integers(2, 12),
       moves=st.lists(st.tuples(st.sampled_from((SUCCEEDED, SUCCEEDED, REFUNDED)), st.integers(0, 10**9)),
                      max_size=12))
def test_the_plan_is_always_paid_what_the_account_no_longer_owes_earliest_first(total, count, moves):
    account = account_with_plan(total, count)
    for n, (kind, amount) in enumerate(moves):
        move(account, n, kind, amount)
        plan = account.plan
        assert plan is not None
        assert plan.paid == total - account.balance()["JPY"]
        assert sum(inst.paid for inst in plan.instalments) == plan.paid
        assert_earliest_first(plan)
        assert (plan.status == p.COMPLETED) == (plan.paid == total)


@given(total=st.integers(2, 10**7), count=st.integers(2, 12), data=st.data())
def test_the_same_money_in_any_chunks_pays_the_plan_alike(total, count, data):
    paid = data.draw(st.integers(0, total * 2))
    cuts = sorted(data.draw(st.lists(st.integers(0, paid), max_size=6)))
    chunks = [b - a for a, b in zip([0, *cuts], [*cuts, paid], strict=True)]
    at_once, in_chunks = account_with_plan(total, count), account_with_plan(total, count)

    move(at_once, 0, SUCCEEDED, paid)
    for n, chunk in enumerate(chunks):
        move(in_chunks, n, SUCCEEDED, chunk)

    assert in_chunks.plan == at_once.plan


def test_monthly_instalments_in_euros_are_paid_early_partly_and_over():
    account = account_with_plan(4900, 3, "EUR")  # 1634 + 1633 + 1633
    move(account, 1, SUCCEEDED, 2000)  # early: the first in full and part of the second
    assert account.plan is not None
    assert [(i.paid, i.status) for i in account.plan.instalments] == [(1634, "paid"), (366, "due"), (0, "due")]
    move(account, 2, SUCCEEDED, 9999)
    assert account.plan.status == p.COMPLETED and account.balance() == {"EUR": 0}


def test_a_promise_is_kept_by_enough_money_in_time_only():
    account = account_with_plan(4900, 3, "EUR")
    account.plan = None
    account.promise = Promise(2000, "EUR", date(2026, 11, 20), AT)
    before = account.balance()
    account.payments = [Payment("stripe", "ch_1", SUCCEEDED, 2000, "EUR", AT, "evt_1")]
    late = follow_money(account, before, PAID_ON, 3, AT)  # 1 December is after 20 November plus 3 days
    assert account.promise.status == "open" and late.events == []

    account.promise = Promise(2000, "EUR", date(2026, 12, 10), AT)
    followed = follow_money(account, {"EUR": 4900}, PAID_ON, 3, AT)
    assert account.promise.status == "kept"
    assert [type_ for type_, _ in followed.events] == ["promise_kept"]


def test_a_payment_of_the_offer_settles_for_less_and_forgives_the_rest_once():
    account = account_with_plan(4900, 3, "EUR")
    account.plan = None
    account.settlement_offer = SettlementOffer(4410, "EUR", date(2026, 12, 8), 4900)
    before = account.balance()
    account.payments = [Payment("stripe", "ch_1", SUCCEEDED, 4410, "EUR", AT, "evt_1")]

    followed = follow_money(account, before, PAID_ON, 3, AT)

    assert followed.settled is not None and (followed.settled.paid, followed.settled.forgiven) == (4410, 490)
    assert account.balance() == {"EUR": 0}
    again = follow_money(account, before, PAID_ON, 3, AT)  # the same money followed twice forgives nothing more
    assert again.settled is None and sum(line.credit() for line in account.payments) == 4900


def test_an_offer_made_for_a_smaller_debt_settles_nothing_once_a_new_invoice_came():
    account = account_with_plan(4900, 3, "EUR")
    account.plan = None
    account.settlement_offer = SettlementOffer(4410, "EUR", date(2026, 12, 8), 4900)
    account.invoices = [*account.invoices, Invoice("INV-2", 1000, "EUR", date(2026, 11, 20), date(2026, 12, 20))]
    before = account.balance()
    account.payments = [Payment("stripe", "ch_1", SUCCEEDED, 5410, "EUR", AT, "evt_1")]

    followed = follow_money(account, before, PAID_ON, 3, AT)

    assert followed.settled is None and account.balance() == {"EUR": 490}
