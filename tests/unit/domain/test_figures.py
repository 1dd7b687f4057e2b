"""What one account adds to its tenant's figures (domain/figures.py), what a change adds, and the answer the
counters make."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec.structs import replace

from chalicelib.domain.accounts import Account, Flag, Invoice
from chalicelib.domain.figures import (
    answer,
    contribution,
    delta,
    end_instant,
    placements,
    still_holding,
    sum_counters,
)
from chalicelib.domain.payments import SUCCEEDED, Payment

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def account(**changes) -> Account:
    """Ana in Madrid, 49 EUR open since 15 November."""
    base = Account(tenant_id="t1", account_id="a1", name="Ana", locale="es-ES", policy="standard",
                   timezone="Europe/Madrid", country="ES",
                   invoices=[Invoice("INV-1", 4900, "EUR", date(2026, 11, 1), date(2026, 11, 15))])
    return replace(base, **changes)


def test_no_account_adds_nothing_and_an_unchanged_one_changes_nothing():
    assert contribution(None) == {}
    assert delta(account(), account()) == {}
    assert delta(None, account()) == contribution(account())
    assert delta(account(), None) == {key: -n for key, n in contribution(account()).items()}


def test_an_account_adds_itself_its_state_tallies_money_and_opt_outs():
    paid = account(payments=[Payment("stripe", "pi_1", SUCCEEDED, 1000, "EUR", NOW, "e1")],
                   tallies={"sent:email": 2, "payment_succeeded": 1}, email_suppressed="unsubscribed")

    assert contribution(paid) == {"accounts": 1, "state:active": 1, "tally:sent:email": 2,
                                  "tally:payment_succeeded": 1, "received:EUR": 1000, "outstanding:EUR": 3900,
                                  "opt_out:email": 1}


def test_a_state_change_moves_one_count_from_the_old_state_to_the_new():
    assert delta(account(), account(state="paused")) == {"state:active": -1, "state:paused": 1}


def test_a_flag_with_an_end_is_counted_under_the_instant_it_stops_holding():
    paused = account(flags={"hardship": Flag("hardship", True, NOW, until=date(2026, 12, 20))})

    (key,) = [key for key in contribution(paused) if key.startswith("ends:")]

    ends = end_instant(date(2026, 12, 20), ("Europe/Madrid",))
    assert ends == datetime(2026, 12, 19, 23, 0, tzinfo=UTC)  # midnight in Madrid
    assert key == "ends:hardship@2026-12-19T2300Z"
    assert still_holding({key: 1}, ends - timedelta(minutes=1)) == {"hardship": 1}
    assert still_holding({key: 1}, ends) == {}
    assert "holding:hardship" not in contribution(paused)


def test_a_flag_without_end_holds_until_it_is_lifted():
    disputed = account(flags={"dispute": Flag("dispute", True, NOW)}, state="paused")
    assert contribution(disputed)["holding:dispute"] == 1
    assert delta(disputed, replace(disputed, flags={}, state="active"))["holding:dispute"] == -1


def test_flows_go_to_the_total_and_the_day_levels_to_the_total_ends_to_their_day():
    change = {"tally:sent:email": 1, "state:active": 1, "ends:hardship@2026-12-19T2300Z": 1}

    assert placements(change, date(2026, 12, 1)) == {
        "total": {"tally:sent:email": 1, "state:active": 1},
        "day#2026-12-01": {"tally:sent:email": 1},
        "ends#2026-12-19": {"ends:hardship@2026-12-19T2300Z": 1},
    }


def test_the_answer_counts_pauses_still_running_now():
    total = {"accounts": 2, "state:paused": 2, "holding:breathing_space": 1}
    ends = {"ends:hardship@2026-12-19T2300Z": 1, "ends:hardship@2026-11-30T2300Z": 4}

    figures = answer(total, {}, ends, NOW)

    assert figures["pauses"]["active"] == 2 and figures["accounts"] == {"total": 2, "by_state": {"paused": 2}}


def test_money_paid_and_paid_back_in_full_shows_its_currency_recovered_at_zero():
    flows = {"received:EUR": 4900, "returned:EUR": 4900, "received:GBP": 1200}

    figures = answer({}, flows, {}, NOW)

    assert figures["recovered"] == {"EUR": 0, "GBP": 1200} and figures["paid_back"] == {"EUR": 4900}


accounts_seen = st.builds(
    lambda state, sent, paid, unsubscribed, paused: account(
        state=state, tallies={"sent:email": sent} if sent else {},
        payments=[Payment("stripe", "pi", SUCCEEDED, paid, "EUR", NOW, "e")] if paid else [],
        email_suppressed="unsubscribed" if unsubscribed else None,
        flags={"hardship": Flag("hardship", True, NOW, until=date(2026, 12, 20))} if paused else {}),
    st.sampled_from(["active", "paused", "settled"]), st.integers(0, 5), st.integers(0, 4900), st.booleans(),
    st.booleans())


@given(st.lists(st.one_of(st.none(), accounts_seen), min_size=1, max_size=8))
def test_the_deltas_of_a_series_of_changes_add_up_to_the_last_image(images):
    # an account's life as the stream tells it: each record's old image is the previous record's new image
    changes = [delta(old, new) for old, new in zip([None, *images], images, strict=False)]
    summed = {key: n for key, n in sum_counters(changes).items() if n}
    assert summed == contribution(images[-1])
