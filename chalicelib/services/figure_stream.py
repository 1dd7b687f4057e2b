"""Keep a tenant's finance figures from the accounts table's stream, and rebuild them from the accounts.

Each stream record is one change of one account. It moves what the figures count for that account to its new
version, adding the difference to the tenant's aggregate items, at once and only if what is counted is still
what the move started from (domain/counted.py); a change that moves no figure writes nothing. So the stream's
at-least-once delivery, a retried batch and a rebuild running at the same time count each version of each
account once.

`rebuild` is for a tenant whose figures are in doubt (records the stream dropped for good, a new Kindly that counts
something new, items written by hand). It reads every account (the one path that does) and moves what is counted
for each to the version read, unless the stream has counted a later one meanwhile; the stream goes on counting
throughout. It then checks the standing items against the sum of what is counted for every account, and corrects
them, when no move landed while it summed. Day items are history the accounts cannot tell again (tallies carry no
dates), so they stay as the stream wrote them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from msgspec import Struct

from chalicelib.domain.accounts import Account
from chalicelib.domain.counted import WRITES, Counted, Move, assumed, drift, on_change, on_reading
from chalicelib.domain.errors import Conflict
from chalicelib.domain.figures import ENDS_ITEM, TOTAL_ITEM, Counters
from chalicelib.domain.ports import AccountRepository, FigureStore

MOVE_TRIES = 5  # a move meets another only when a rebuild and the stream move the same account at once
CHECK_TRIES = 3  # sums of every Counted, each spoilt if a move lands while it is read


class Rebuilt(Struct, frozen=True):
    accounts_read: int
    accounts_corrected: int  # accounts whose counted contribution was wrong or missing
    standing_checked: bool  # the standing items were checked against every account's Counted
    standing_corrected: dict[str, Counters]  # what that check added to them


class FigureStream:
    def __init__(self, store: FigureStore, accounts: AccountRepository) -> None:
        self._store = store
        self._accounts = accounts

    def apply(self, day: date, old: Account | None, new: Account | None) -> bool:
        """Count one change, recorded on `day` (UTC); False when it was counted already or adds nothing."""
        account = new or old
        if account is None:
            return False
        counted = assumed(old)
        for _ in range(MOVE_TRIES):
            move = on_change(counted, old, new, day)
            if move is None:
                return False
            if self._store.move(account.tenant_id, account.account_id, move):
                return True
            counted = self._store.counted(account.tenant_id, account.account_id)
        raise Conflict("the figures of this account kept changing; try again", "figures")

    def rebuild(self, tenant_id: str) -> Rebuilt:
        read = corrected = 0
        pairs = side_by_side(self._accounts.all_of(tenant_id), self._store.all_counted(tenant_id))
        for account_id, account, counted in pairs:
            if account is None:  # counted, but the read passed its key without it: deleted, or created since
                account = self._accounts.get(tenant_id, account_id)
            else:
                read += 1
            corrected += self._settle(tenant_id, account_id, counted, account)
        checked, correction = self._check_standing(tenant_id)
        return Rebuilt(read, corrected, checked, correction)

    def _settle(self, tenant_id: str, account_id: str, counted: Counted | None, account: Account | None) -> bool:
        for _ in range(MOVE_TRIES):
            move: Move | None = on_reading(counted, account)
            if move is None:
                return False
            if self._store.move(tenant_id, account_id, move):
                return True
            counted = self._store.counted(tenant_id, account_id)
        raise Conflict("the figures of an account kept changing while the rebuild corrected them; try again",
                       "figures")

    def _check_standing(self, tenant_id: str) -> tuple[bool, dict[str, Counters]]:
        for _ in range(CHECK_TRIES):
            total = self._store.item(tenant_id, TOTAL_ITEM)
            items = {TOTAL_ITEM: total, **self._store.between(tenant_id, ENDS_ITEM, ENDS_ITEM + "~")}
            counted = (one for _, one in self._store.all_counted(tenant_id))
            correction = drift(items, counted)
            if self._store.item(tenant_id, TOTAL_ITEM).get(WRITES) != total.get(WRITES):
                continue  # a move landed meanwhile: the sum and the items may not be of the same moment
            # Written only if no move, and no other rebuild's correction, has landed since the sum was read.
            if not correction or self._store.correct(tenant_id, correction, total.get(WRITES)):
                return True, correction
        return False, {}


def side_by_side(accounts: Iterator[Account], counted: Iterator[tuple[str, Counted]]
                 ) -> Iterator[tuple[str, Account | None, Counted | None]]:
    """The accounts read and what is counted for them, both in account id order, matched by id (a None where
    one side has none), so a tenant of any size is rebuilt in constant memory."""
    account, known = next(accounts, None), next(counted, None)
    while account is not None or known is not None:
        if known is None or (account is not None and account.account_id < known[0]):
            assert account is not None
            yield account.account_id, account, None
            account = next(accounts, None)
        elif account is None or known[0] < account.account_id:
            yield known[0], None, known[1]
            known = next(counted, None)
        else:
            yield account.account_id, account, known[1]
            account, known = next(accounts, None), next(counted, None)
