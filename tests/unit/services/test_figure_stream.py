"""The figures the stream keeps (services/figure_stream.py) against `kindly metrics rebuild` and against the sum
over every account that GET /v1/metrics used to compute on each call (kept below as the reference)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import msgspec
import pytest

from chalicelib.domain.accounts import Account, Flag
from chalicelib.domain.deliverability import rates
from chalicelib.domain.money import add_balances
from chalicelib.domain.payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED
from chalicelib.domain.plans import ACTIVE, PlanRequest
from chalicelib.domain.schedule import local_day, recipient_zones
from chalicelib.domain.times import iso
from tests.unit.services.conftest import NOW, pay, put_account, stored

pytestmark = pytest.mark.unit


def figures_from_every_account(accounts: list[Account], now: datetime) -> dict[str, Any]:
    """What FinanceFigures answered before the stream: one pass over every account of the tenant."""
    tallies: Counter[str] = Counter()
    states: Counter[str] = Counter()
    holding: Counter[str] = Counter()
    received, returned, outstanding, through_plans = [], [], [], []
    active_plans = 0
    opt_outs = Counter({"email": 0, "sms": 0})
    for account in accounts:
        tallies.update(account.tallies)
        states[account.state] += 1
        holding.update(f.name for f in account.holding_flags(local_day(now, recipient_zones(account))))
        account_received, account_returned = account.payment_totals()
        received += [(amount, currency) for currency, amount in account_received.items()]
        returned += [(amount, currency) for currency, amount in account_returned.items()]
        outstanding += [(amount, currency) for currency, amount in account.balance().items()]
        if account.plan is not None:
            active_plans += account.plan.status == ACTIVE
            through_plans.append((account.plan.paid, account.plan.currency))
        through_plans.extend((paid, currency) for currency, paid in account.earlier_plans_paid.items())
        opt_outs["email"] += account.email_suppressed == "unsubscribed"
        opt_outs["sms"] += account.sms_opted_out

    def money(lines: list[tuple[int, str]]) -> dict[str, int]:  # the stream shows no currency at 0
        return {currency: n for currency, n in add_balances(lines).items() if n}

    by_suffix = {prefix: dict(sorted((k.removeprefix(prefix), n) for k, n in tallies.items() if k.startswith(prefix)))
                 for prefix in ("sent:", "withheld:", "deferred:")}
    return {
        "as_of": iso(now),
        "accounts": {"total": len(accounts), "by_state": dict(sorted(states.items()))},
        "recovered": money(received + [(-amount, currency) for amount, currency in returned]),
        "paid_back": money(returned), "outstanding": money(outstanding),
        "payments": {kind: tallies.get(kind, 0) for kind in (SUCCEEDED, FAILED, REFUNDED, CHARGEBACK)},
        "messages": {"sent": by_suffix["sent:"], "withheld": by_suffix["withheld:"],
                     "deferred": by_suffix["deferred:"], "escalated": tallies.get("escalated", 0)},
        "plans": {**{what: tallies.get(f"plans:{what}", 0)
                     for what in ("offered", "started", "completed", "broken", "cancelled")},
                  "active": active_plans, "recovered": money(through_plans)},
        "settled_for_less": tallies.get("settled_for_less", 0),
        "opt_outs": dict(opt_outs),
        "deliverability": {**rates(tallies.get("sent:email", 0), tallies.get("email_bounced", 0),
                                   tallies.get("email_complained", 0)),
                           "bounced": tallies.get("email_bounced", 0),
                           "complained": tallies.get("email_complained", 0)},
        "disputes": {"open": holding.get("dispute", 0), "opened": tallies.get("flag:dispute", 0)},
        "pauses": {"active": holding.get("hardship", 0) + holding.get("breathing_space", 0),
                   "hardship_started": tallies.get("flag:hardship", 0)},
    }


def a_series_of_changes(container: Any, faked: Any, tenant: Any) -> None:
    """Accounts created, reminded, paid, refunded, disputed, paused with an end date, on plans, unsubscribed,
    replaced by a new upsert: the writes the stream carries."""
    accounts = container.accounts
    for n in range(1, 6):
        put_account(accounts, tenant, f"acct-{n}", email=f"debtor{n}@example.com")
    container.remind.process(tenant.tenant_id, "acct-1")
    pay(container.payments, faked, tenant, account_id="acct-2", amount=4900)
    pay(container.payments, faked, tenant, "evt_r", kind="payment.refunded", account_id="acct-2", amount=900,
        payment_id="pay_r")
    container.plans.create(tenant.tenant_id, "acct-3", PlanRequest("monthly", 2, date(2026, 12, 15)),
                           created_by="debtor", actor="debtor:portal")
    pay(container.payments, faked, tenant, "evt_3", account_id="acct-3", amount=2450, payment_id="pay_3")
    for account_id, flag in (("acct-4", Flag("hardship", True, NOW, until=NOW.date() + timedelta(days=10))),
                             ("acct-5", Flag("dispute", True, NOW))):
        account = stored(faked, tenant, account_id)
        account.flags[flag.name] = flag
        account.state = "paused"
        faked.accounts.save(account)
    account = stored(faked, tenant, "acct-1")
    account.email_suppressed = "unsubscribed"
    faked.accounts.save(account)
    put_account(accounts, tenant, "acct-1", name="Ana G.")  # an upsert that changes no figure


def figures_now(container: Any, faked: Any, tenant: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The figures in total (checked against the sum over every account), and today's."""
    figures = container.figures.figures(tenant.tenant_id)
    assert figures == figures_from_every_account(list(faked.accounts.all_of(tenant.tenant_id)), faked.clock.now())
    return figures, container.figures.figures(tenant.tenant_id, (NOW.date(), NOW.date()))


def flows(figures: dict[str, Any]) -> dict[str, Any]:
    return {name: figures[name] for name in ("recovered", "paid_back", "payments", "messages")}


def test_the_stream_the_rebuild_and_the_sum_over_every_account_agree(faked, container, tenant):
    a_series_of_changes(container, faked, tenant)
    faked.flow_stream()
    streamed = container.figures.figures(tenant.tenant_id)
    kept = dict(faked.figure_store.items)

    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)

    reference = figures_from_every_account(list(faked.accounts.all_of(tenant.tenant_id)), NOW)
    assert streamed == container.figures.figures(tenant.tenant_id) == reference
    assert streamed["recovered"] == {"EUR": 4900 - 900 + 2450} and streamed["pauses"]["active"] == 1
    assert streamed["opt_outs"]["email"] == 1 and streamed["disputes"]["open"] == 1
    # the stream had counted every account right: the rebuild read them all and changed nothing
    assert (rebuilt.accounts_read, rebuilt.accounts_corrected) == (5, 0)
    assert rebuilt.standing_checked and rebuilt.standing_corrected == {}
    assert faked.figure_store.items == kept


def test_a_pause_stops_counting_when_its_end_comes_without_any_write(faked, container, tenant):
    a_series_of_changes(container, faked, tenant)
    faked.flow_stream()

    faked.clock.set(NOW + timedelta(days=12))  # acct-4's hardship pause (until NOW + 10 days) is over

    later = container.figures.figures(tenant.tenant_id)
    reference = figures_from_every_account(list(faked.accounts.all_of(tenant.tenant_id)), faked.clock.now())
    assert later["pauses"]["active"] == 0 == reference["pauses"]["active"]
    assert later == reference


def test_a_record_applied_twice_counts_once(faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    old, new = faked.accounts.stream[-1]

    assert container.figure_stream.apply(NOW.date(), old, new) is True
    assert container.figure_stream.apply(NOW.date(), old, new) is False

    assert container.figures.figures(tenant.tenant_id)["accounts"]["total"] == 1


def test_records_of_one_account_delivered_again_after_later_ones_count_once(faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    pay(container.payments, faked, tenant, account_id="acct-1", amount=1000)
    records = list(faked.accounts.stream)
    for old, new in records + records[:1] + records:  # a batch retried from its start, twice
        container.figure_stream.apply(NOW.date(), old, new)

    total, today = figures_now(container, faked, tenant)
    assert total["recovered"] == today["recovered"] == {"EUR": 1000}


def test_a_rebuild_corrects_standing_items_gone_wrong_and_says_what_it_added(faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    faked.flow_stream()
    bogus = {"total": {"accounts": 41, "state:held": 3}, "ends#2026-12-02": {"ends:hardship@2026-12-02T0000Z": 2}}
    assert faked.figure_store.correct(tenant.tenant_id, bogus, 1)  # one move so far: the account's creation

    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)

    figures = container.figures.figures(tenant.tenant_id)
    assert figures["accounts"] == {"total": 1, "by_state": {"active": 1}} and figures["pauses"]["active"] == 0
    assert rebuilt.accounts_corrected == 0 and rebuilt.standing_checked
    assert rebuilt.standing_corrected == {"ends#2026-12-02": {"ends:hardship@2026-12-02T0000Z": -2},
                                          "total": {"accounts": -41, "state:held": -3}}
    assert container.figure_stream.rebuild(tenant.tenant_id).standing_corrected == {}  # and once only


def test_a_change_the_stream_lost_is_counted_by_the_rebuild_and_its_day_stays_as_the_stream_left_it(
        faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    faked.flow_stream()
    pay(container.payments, faked, tenant, account_id="acct-1", amount=1200)
    faked.streamed = len(faked.accounts.stream)  # the payment's records never reach the figures

    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)

    assert rebuilt.accounts_corrected == 1
    total, today = figures_now(container, faked, tenant)
    assert total["recovered"] == {"EUR": 1200} and today["recovered"] == {}  # days are history: not rebuilt


def test_records_the_stream_had_not_reached_when_the_rebuild_read_count_once_and_date_their_flows(
        faked, container, tenant):
    a_series_of_changes(container, faked, tenant)  # none streamed yet: the stream lags behind the rebuild

    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)
    faked.flow_stream()

    assert rebuilt.accounts_corrected == 5
    total, today = figures_now(container, faked, tenant)
    assert flows(today) == flows(total) and total["recovered"] == {"EUR": 4900 - 900 + 2450}


def counted_by_an_earlier_kindly(faked: Any, tenant: Any, account_id: str) -> None:
    """What is counted for the account, and the total with it, as a Kindly that counted states differently left
    them: the same version, other counters."""
    key = (tenant.tenant_id, account_id)
    counted = faked.figure_store.accounts[key]
    faked.figure_store.accounts[key] = msgspec.structs.replace(
        counted, counters={**counted.counters, "state:active": 0, "state:new": 1})
    faked.figure_store.items[(tenant.tenant_id, "total")].update({"state:active": 0, "state:new": 1})


def test_a_contribution_counted_by_an_earlier_kindly_is_corrected_at_the_same_version(faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    faked.flow_stream()
    counted_by_an_earlier_kindly(faked, tenant, "acct-1")

    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)

    assert rebuilt.accounts_corrected == 1 and rebuilt.standing_corrected == {}
    assert figures_now(container, faked, tenant)[0]["accounts"]["by_state"] == {"active": 1}


def test_a_change_of_an_account_an_earlier_kindly_counted_moves_from_what_it_counted(faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    faked.flow_stream()
    counted_by_an_earlier_kindly(faked, tenant, "acct-1")
    pay(container.payments, faked, tenant, account_id="acct-1", amount=800)

    faked.flow_stream()  # the old image's contribution is not what is counted: the move reads what is

    assert container.figures.figures(tenant.tenant_id)["accounts"]["by_state"] == {"active": 1}
    assert container.figure_stream.rebuild(tenant.tenant_id).standing_corrected == {}


def test_a_rebuild_that_read_an_older_version_than_the_stream_counted_leaves_what_the_stream_counted(
        faked, container, tenant, monkeypatch):
    put_account(container.accounts, tenant, "acct-1")
    faked.flow_stream()
    counted_by_an_earlier_kindly(faked, tenant, "acct-1")  # so the rebuild has something to correct
    read = faked.accounts.get(tenant.tenant_id, "acct-1")
    pay(container.payments, faked, tenant, account_id="acct-1", amount=800)
    # the account is read before the payment; the stream counts the payment before the rebuild's move lands
    faked.figure_store.before_next_move(faked.flow_stream)
    monkeypatch.setattr(faked.accounts, "all_of", lambda tenant_id: iter([read]))

    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)
    monkeypatch.undo()

    assert rebuilt.accounts_corrected == 0
    total, today = figures_now(container, faked, tenant)
    assert total["recovered"] == today["recovered"] == {"EUR": 800}


def a_payment(container: Any, faked: Any, tenant: Any, account_id: str) -> Callable[[], None]:
    def pay_now() -> None:
        if faked.accounts.get(tenant.tenant_id, account_id) is None:
            put_account(container.accounts, tenant, account_id, email=f"{account_id}@example.com")
        pay(container.payments, faked, tenant, f"evt_{account_id}", account_id=account_id, amount=700,
            payment_id=f"pay_{account_id}")
    return pay_now


@pytest.mark.parametrize("account_id", ["acct-1", "acct-4", "acct-0", "acct-9"])  # read before, after, or new
@pytest.mark.parametrize("at", range(5))  # before the n-th of the 5 accounts is read
@pytest.mark.parametrize("streamed", ["at once", "after the rebuild"])
def test_changes_made_and_streamed_while_the_rebuild_reads_count_once(faked, container, tenant, monkeypatch,
                                                                      account_id, at, streamed):
    a_series_of_changes(container, faked, tenant)
    faked.flow_stream()
    change = a_payment(container, faked, tenant, account_id)
    every_account = faked.accounts.all_of

    def reading(tenant_id: str) -> Iterator[Account]:
        for n, account in enumerate(every_account(tenant_id)):
            if n == at:
                change()
                if streamed == "at once":
                    faked.flow_stream()
            yield account

    monkeypatch.setattr(faked.accounts, "all_of", reading)
    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)
    monkeypatch.undo()
    faked.flow_stream()

    total, today = figures_now(container, faked, tenant)
    assert total["recovered"] == {"EUR": 4900 - 900 + 2450 + 700}
    assert flows(today) == flows(total)  # everything happened today, and each payment was dated once
    assert rebuilt.standing_checked and rebuilt.standing_corrected == {}


def test_a_move_that_meets_another_reads_what_is_counted_and_tries_again(faked, container, tenant, monkeypatch):
    put_account(container.accounts, tenant, "acct-1")
    pay(container.payments, faked, tenant, account_id="acct-1", amount=300)
    records = list(faked.accounts.stream)
    container.figure_stream.apply(NOW.date(), *records[0])
    # the rebuild reads the account while its payment is still on its way through the stream...
    account = faked.accounts.get(tenant.tenant_id, "acct-1")
    # ...and the stream counts the payment between the rebuild's read of what is counted and its move
    faked.figure_store.before_next_move(lambda: [container.figure_stream.apply(NOW.date(), *r) for r in records[1:]])
    monkeypatch.setattr(faked.accounts, "all_of", lambda tenant_id: iter([account]))

    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)
    monkeypatch.undo()

    assert rebuilt.accounts_corrected == 0  # what the stream counted meanwhile was right
    total, today = figures_now(container, faked, tenant)
    assert total["recovered"] == today["recovered"] == {"EUR": 300}


def test_the_standing_items_are_left_unchecked_while_moves_keep_landing(faked, container, tenant, monkeypatch):
    put_account(container.accounts, tenant, "acct-1")
    faked.flow_stream()
    every_counted = faked.figure_store.all_counted
    changes = iter(range(100))

    def busy(tenant_id: str) -> Iterator[Any]:
        n = next(changes)
        pay(container.payments, faked, tenant, f"evt_{n}", account_id="acct-1", amount=10, payment_id=f"pay_{n}")
        faked.flow_stream()
        return every_counted(tenant_id)

    monkeypatch.setattr(faked.figure_store, "all_counted", busy)
    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)

    assert not rebuilt.standing_checked and rebuilt.standing_corrected == {}
    monkeypatch.undo()
    assert figures_now(container, faked, tenant)[0]["recovered"] == {"EUR": 10 * next(changes)}


def test_metrics_read_a_handful_of_items_whatever_the_number_of_accounts(faked, container, tenant):
    reads = []
    for count in (3, 30):
        for n in range(count):
            put_account(container.accounts, tenant, f"acct-{count}-{n}")
        faked.flow_stream()
        before = faked.figure_store.reads
        container.figures.figures(tenant.tenant_id, (NOW.date() - timedelta(days=30), NOW.date()))
        reads.append(faked.figure_store.reads - before)
    assert reads == [3, 3]  # the total, the ends still ahead, the period's days


def test_accounts_and_what_is_counted_are_matched_by_id_with_gaps_on_either_side(faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    from chalicelib.domain.counted import Counted
    from chalicelib.services.figure_stream import side_by_side

    accounts = [msgspec.structs.replace(stored(faked, tenant), account_id=n) for n in ("a", "c", "d")]
    counted = [(n, Counted(1, 1, {"accounts": 1})) for n in ("b", "c", "e")]

    matched = [(n, a is not None, c is not None) for n, a, c in side_by_side(iter(accounts), iter(counted))]

    assert matched == [("a", True, False), ("b", False, True), ("c", True, True), ("d", True, False),
                       ("e", False, True)]
    assert list(side_by_side(iter([]), iter([]))) == []


def test_a_rebuild_takes_out_an_account_deleted_before_the_stream_told(faked, container, tenant):
    put_account(container.accounts, tenant, "acct-1")
    put_account(container.accounts, tenant, "acct-2")
    faked.flow_stream()
    del faked.accounts.items[(tenant.tenant_id, "acct-2")]  # deleted by hand; its record has not been read yet

    rebuilt = container.figure_stream.rebuild(tenant.tenant_id)
    container.figure_stream.apply(NOW.date(), faked.accounts.stream[-1][1], None)  # the deletion's record

    assert (rebuilt.accounts_read, rebuilt.accounts_corrected) == (1, 1)
    assert figures_now(container, faked, tenant)[0]["accounts"]["total"] == 1
