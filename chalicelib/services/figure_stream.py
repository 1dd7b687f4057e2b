"""Keep a tenant's finance figures from the accounts table's stream, and rebuild them from the accounts.

Each stream record is one change of one account: its old and new image give contribution(new) -
contribution(old) (domain/figures.py), added atomically to the tenant's aggregate items under the record's
sequence number, so the stream's at-least-once delivery and a retried batch count each change once.

`rebuild` is for a tenant whose figures are in doubt: it reads every account (the one path that does) and puts
the total and the flag ends in place of what the stream kept. Day items are history the accounts cannot tell
again (tallies carry no dates), so they stay as the stream wrote them.
"""

from __future__ import annotations

from datetime import date

from chalicelib.domain.accounts import Account
from chalicelib.domain.figures import ENDS_ITEM, TOTAL_ITEM, Counters, delta, placements, rebuilt_items
from chalicelib.domain.ports import AccountRepository, FigureStore


class FigureStream:
    def __init__(self, store: FigureStore, accounts: AccountRepository) -> None:
        self._store = store
        self._accounts = accounts

    def apply(self, change_id: str, day: date, old: Account | None, new: Account | None) -> bool:
        """Add one change, recorded on `day` (UTC); False when it changes no figure or was added already."""
        account = new or old
        change = delta(old, new)
        if account is None or not change:
            return False
        return self._store.add(account.tenant_id, change_id, placements(change, day))

    def rebuild(self, tenant_id: str) -> dict[str, Counters]:
        items = rebuilt_items(self._accounts.all_of(tenant_id))
        self._store.replace(tenant_id, items, (TOTAL_ITEM, ENDS_ITEM))
        return items
