"""What the finance figures have counted for each account, so that the stream counts each change once and a
rebuild corrects the figures one account at a time while the stream goes on counting.

A tenant's standing items (the total and the ends, domain/figures.py) are the sum of what each of its accounts
contributes. Beside them the figures keep, per account, a `Counted`: the contribution they hold for it, the
account version it came from, and the last version whose flows went to the day items. Versions are the
repository's optimistic lock: every write of an account adds 1 to its version.

Every change to the figures is a `Move` of one account's `Counted`, written at once with the counters it adds,
and only if what is counted for the account is still the move's start:
- a change of the account (a stream record) moves the contribution to its new version's, adding the difference,
  and adds its flows to the day it was recorded on. A version counted already (the record came again, or a
  rebuild read that version first) adds nothing to the total, and flows already dated add nothing to a day;
- a rebuild that read the account moves the contribution to the version it read, unless the stream has counted a
  later one. Day items are history the accounts cannot tell again: a rebuild leaves them alone.
A change that adds nothing (most writes of an account change no figure) is not written at all: what is counted
stays at an earlier version with the same counters, which is as good a start for the next move as its own.
So the stream and a rebuild, in any order and at the same time, count each version of each account once.

Every move that adds to the standing items also adds 1 to the total's `WRITES`, so a rebuild can tell whether
any move landed while it summed every `Counted`: when none did, the standing items must equal that sum, and
`drift` says what they are off by (figures written by hand, or by an earlier version of Kindly).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date

from msgspec import Struct

from .accounts import Account
from .figures import DAY_ITEM, TOTAL_ITEM, Counters, contribution, difference, flows_of, placements

WRITES = "writes"  # in the total item: how many moves have added counters to the tenant's figures


class Counted(Struct, frozen=True):
    version: int  # the account version `counters` is the contribution of
    dated: int  # the last account version whose flows were added to a day item
    counters: Counters


class Move(Struct, frozen=True):
    """One account's `Counted` moved from `start` (None when nothing is counted for it) to `end` (None: the
    account is gone), with the counters it adds to each aggregate item. It lands only on `start`, or on an
    earlier version of it with the same counters (see `lands_on`)."""

    start: Counted | None
    end: Counted | None
    added: dict[str, Counters]


def lands_on(move: Move, counted: Counted | None) -> bool:
    """Whether the move may land on what is counted: its start, or the same counters counted at an earlier version
    (changes since then added nothing, so were not written)."""
    start = move.start
    if start is None or counted is None:
        return start is None and counted is None
    return counted.counters == start.counters and counted.version <= start.version and counted.dated <= start.dated


def version_of(account: Account) -> int:
    return account.version or 0  # an item written without the repository (none in Kindly) counts as version 0


def assumed(old: Account | None) -> Counted | None:
    """What is counted for an account when a change arrives, if every change before it was counted in order by
    this version of Kindly: its old image's contribution, counted and dated. The stream writes on this assumption
    and reads what is counted only when the write finds otherwise."""
    if old is None:
        return None
    return Counted(version_of(old), version_of(old), contribution(old))


def on_change(counted: Counted | None, old: Account | None, new: Account | None, day: date) -> Move | None:
    """A change of an account from `old` to `new` (None: deleted), recorded on `day`, against what is counted for
    it; None when it adds nothing: counted already, or no figure changed. A deletion takes the account's
    contribution out of the standing items; the days keep what happened."""
    if new is None:
        return None if counted is None else _gone(counted)
    version = version_of(new)
    to_total = counted is None or counted.version < version
    to_day = counted is None or counted.dated < version
    if not (to_total or to_day):
        return None
    now = contribution(new)
    added: dict[str, Counters] = {}
    if to_total:
        added.update(standing(difference(now, counted.counters if counted else {})))
    if to_day:
        added.update(dated(difference(flows_of(now), flows_of(contribution(old))), day))
    if not added:
        return None
    if counted is None:
        return _move(None, Counted(version, version, now), added)
    end = Counted(version if to_total else counted.version, version if to_day else counted.dated,
                  now if to_total else counted.counters)
    return _move(counted, end, added)


def on_reading(counted: Counted | None, account: Account | None) -> Move | None:
    """A rebuild's reading of an account (None: it does not exist) against what is counted for it; None when
    what is counted is right: the contribution of the version read (counted at it or at an earlier version), or
    of a later one (the stream is ahead)."""
    if account is None:
        return None if counted is None else _gone(counted)
    version, now = version_of(account), contribution(account)
    if counted is not None and (counted.version > version or counted.counters == now):
        return None
    end = Counted(version, counted.dated if counted else 0, now)
    return _move(counted, end, standing(difference(now, counted.counters if counted else {})))


def drift(items: Mapping[str, Mapping[str, int]], counted: Iterable[Counted]) -> dict[str, Counters]:
    """What to add to the standing items (the total and the ends, by item key) so they sum `counted` again."""
    total: Counter[str] = Counter()
    for one in counted:
        total.update(one.counters)
    expected = standing({name: n for name, n in total.items() if n})
    correction: dict[str, Counters] = {}
    for key in sorted(expected.keys() | items.keys()):
        want, have = expected.get(key, {}), items.get(key, {})
        off = {name: want.get(name, 0) - have.get(name, 0) for name in sorted(want.keys() | have.keys())
               if name != WRITES and want.get(name, 0) != have.get(name, 0)}
        if off:
            correction[key] = off
    return correction


def standing(change: Mapping[str, int]) -> dict[str, Counters]:
    """A change's counters placed on the standing items: flows and levels on the total, ends on their day."""
    return {key: counters for key, counters in placements(change, date.min).items() if not key.startswith(DAY_ITEM)}


def dated(flows: Mapping[str, int], day: date) -> dict[str, Counters]:
    """Flows placed on the day item of `day`."""
    return {key: counters for key, counters in placements(flows, day).items() if key.startswith(DAY_ITEM)}


def _gone(counted: Counted) -> Move:
    """The account no longer exists: what is counted for it leaves the standing items."""
    return _move(counted, None, standing(difference({}, counted.counters)))


def _move(counted: Counted | None, end: Counted | None, added: dict[str, Counters]) -> Move:
    if any(not key.startswith(DAY_ITEM) for key in added):  # it changes the standing items
        added.setdefault(TOTAL_ITEM, {})[WRITES] = 1
    return Move(counted, end, added)

