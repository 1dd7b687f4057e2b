"""What the figures count per account (domain/counted.py): a change, the same change again, a rebuild's reading,
in any order the stream and a rebuild can meet in, count each version once."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec.structs import replace

from chalicelib.domain.accounts import Account
from chalicelib.domain.counted import (
    WRITES,
    Counted,
    Move,
    assumed,
    drift,
    lands_on,
    on_change,
    on_reading,
    standing,
)
from chalicelib.domain.figures import Counters, contribution, flows_of, sum_counters
from tests.unit.domain.test_figures import account, accounts_seen

pytestmark = pytest.mark.unit

DAY = date(2026, 12, 1)


def versioned(images: list[Account]) -> list[Account]:
    return [replace(image, version=n) for n, image in enumerate(images, start=1)]


class Figures:
    """One account's Counted and the aggregate items, moved as the figure store moves them."""

    def __init__(self) -> None:
        self.counted: Counted | None = None
        self.items: dict[str, Counters] = {}

    def move(self, move: Move | None) -> bool:
        if move is None:
            return True
        if not lands_on(move, self.counted):
            return False
        self.counted = move.end
        for key, counters in move.added.items():
            stored = self.items.setdefault(key, {})
            for name, n in counters.items():
                stored[name] = stored.get(name, 0) + n
        return True

    def change(self, old: Account | None, new: Account) -> None:
        counted = assumed(old)
        while not self.move(on_change(counted, old, new, DAY)):
            counted = self.counted

    def reading(self, snapshot: Counted | None, read: Account) -> None:
        counted = snapshot
        while not self.move(on_reading(counted, read)):
            counted = self.counted

    def standing(self) -> dict[str, Counters]:
        kept = {key: {name: n for name, n in counters.items() if n and name != WRITES}
                for key, counters in self.items.items() if not key.startswith("day#")}
        return {key: counters for key, counters in kept.items() if counters}


def test_a_new_account_is_counted_and_dated():
    new = replace(account(), version=1)

    move = on_change(None, None, new, DAY)

    assert move is not None and move.start is None
    assert move.end == Counted(1, 1, contribution(new))
    assert move.added["total"] == {**contribution(new), WRITES: 1}
    assert move.added == {**standing(contribution(new)), "total": move.added["total"]}  # no flows: no day


def test_a_version_counted_and_dated_already_moves_nothing():
    old, new = versioned([account(), account(state="paused")])

    assert on_change(Counted(2, 2, contribution(new)), old, new, DAY) is None
    assert on_change(Counted(3, 3, {}), old, new, DAY) is None  # a later version is counted: a redelivery


def test_a_version_a_rebuild_counted_first_still_dates_its_flows_and_adds_nothing_to_the_total():
    old, new = versioned([account(), account(tallies={"sent:email": 1})])

    move = on_change(Counted(2, 1, contribution(new)), old, new, DAY)

    assert move is not None and move.end == Counted(2, 2, contribution(new))
    assert move.added == {"day#2026-12-01": {"tally:sent:email": 1}}  # counts no WRITES: the total is untouched


def test_a_reading_counted_right_or_behind_the_stream_moves_nothing_and_otherwise_keeps_the_dates():
    read = replace(account(), version=4)
    assert on_reading(Counted(4, 4, contribution(read)), read) is None
    assert on_reading(Counted(5, 5, {}), read) is None  # the stream has counted a later version

    move = on_reading(Counted(3, 2, {"accounts": 1, "state:paused": 1}), read)

    assert move is not None and move.end == Counted(4, 2, contribution(read))
    assert move.added["total"]["state:paused"] == -1 and move.added["total"]["state:active"] == 1


def test_an_account_gone_takes_out_what_was_counted_for_it():
    counted = Counted(2, 2, {"accounts": 1, "state:active": 1, "received:EUR": 100})

    for move in (on_change(counted, replace(account(), version=2), None, DAY), on_reading(counted, None)):
        assert move is not None and move.end is None
        assert move.added == {"total": {"accounts": -1, "state:active": -1, "received:EUR": -100, WRITES: 1}}
    assert on_reading(None, None) is None


def test_drift_is_what_the_standing_items_lack_or_have_too_much_of():
    counted = [Counted(1, 1, {"accounts": 1, "state:active": 1}), Counted(3, 3, {"accounts": 1, "state:held": 1})]
    items = {"total": {"accounts": 5, "state:active": 1, WRITES: 9}, "ends#2026-12-02": {"ends:x@2026-12-02T0000Z": 1}}

    assert drift(items, counted) == {"total": {"accounts": -3, "state:held": 1},
                                     "ends#2026-12-02": {"ends:x@2026-12-02T0000Z": -1}}
    assert drift(standing(sum_counters(c.counters for c in counted)), counted) == {}


@given(st.lists(accounts_seen, min_size=1, max_size=6), st.data())
def test_the_stream_and_rebuilds_meeting_in_any_order_count_each_version_once(images, data):
    images = versioned(images)
    figures = Figures()
    written, delivered, seen = 0, 0, [None]  # versions written, records delivered in order, Counted over time

    def deliver(first: int, last: int) -> None:
        for n in range(first, last + 1):
            figures.change(images[n - 2] if n > 1 else None, images[n - 1])

    for action in data.draw(st.lists(st.sampled_from(["write", "deliver", "again", "rebuild"]), max_size=24)):
        if action == "write" and written < len(images):
            written += 1
        elif action == "deliver" and delivered < written:
            delivered += 1
            deliver(delivered, delivered)
        elif action == "again" and delivered:  # a batch retried from an earlier record
            deliver(data.draw(st.integers(1, delivered)), delivered)
        elif action == "rebuild" and written:  # reads the latest version, against what was counted some time ago
            figures.reading(data.draw(st.sampled_from(seen)), images[written - 1])
        seen.append(figures.counted)
    deliver(delivered + 1, len(images))  # the rest is written, and the stream catches up

    last = contribution(images[-1])
    assert figures.standing() == standing(last)
    assert figures.counted is not None and figures.counted.counters == last
    # every record was delivered, so the days hold every flow once, whatever the rebuilds counted first
    days = sum_counters(counters for key, counters in figures.items.items() if key.startswith("day#"))
    assert {name: n for name, n in days.items() if n} == flows_of(last)


def test_a_change_that_moves_no_figure_is_not_written():
    old, new = versioned([account(), account(name="Ana G.")])

    assert on_change(assumed(old), old, new, DAY) is None


def test_a_move_lands_on_its_start_or_the_same_counters_counted_earlier():
    start = Counted(4, 4, {"accounts": 1})
    move = Move(start, Counted(5, 5, {}), {})

    assert lands_on(move, start) and lands_on(move, Counted(2, 1, {"accounts": 1}))
    assert not lands_on(move, Counted(5, 5, {"accounts": 1}))  # counted later: a redelivery, or a rebuild's
    assert not lands_on(move, Counted(4, 4, {"accounts": 2}))  # other counters: another Kindly's, or lost changes
    assert not lands_on(move, None) and not lands_on(Move(None, start, {}), start)
    assert lands_on(Move(None, start, {}), None)
