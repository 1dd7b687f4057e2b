"""What the finance team gets: the figures' aggregate items, the events published to its topic, and the daily
summary email."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a use case loads the domain modules it works with, not every port's
    from ..counted import Counted, Move


class FigureStore(Protocol):
    """Per tenant, the finance figures' aggregate items (domain/figures.py), counters under an item key, and what
    they have counted for each account (domain/counted.py)."""

    def counted(self, tenant_id: str, account_id: str) -> Counted | None:
        """What is counted for one account (a strongly consistent read); None when nothing is."""

    def all_counted(self, tenant_id: str) -> Iterator[tuple[str, Counted]]:
        """What is counted for each account of the tenant, in account id order: one paginated query."""

    def move(self, tenant_id: str, account_id: str, move: Move) -> bool:
        """Write the move at once: the account's Counted becomes `move.end` (removed when None) and the counters
        are added to their items, only if the move lands on what is counted (domain/counted.lands_on). False, with
        nothing written, when it does not."""

    def correct(self, tenant_id: str, items: dict[str, dict[str, int]], writes: int | None) -> bool:
        """Add counters to the tenant's items (a rebuild's correction of the standing items), and 1 to the total's
        WRITES, all at once, only if WRITES is still `writes` (None: absent). False, with nothing written, if not."""

    def item(self, tenant_id: str, key: str) -> dict[str, int]:
        """The counters of one item ({} when it does not exist)."""

    def between(self, tenant_id: str, first: str, last: str) -> dict[str, dict[str, int]]:
        """The items whose key is from `first` to `last` (inclusive), by key: one query."""

    def replace(self, tenant_id: str, items: dict[str, dict[str, int]], prefixes: tuple[str, ...]) -> None:
        """Put these items in place of every item of the tenant whose key starts with one of `prefixes`."""


class FinanceNotifier(Protocol):
    def publish(self, tenant_id: str, event: dict[str, Any]) -> None:
        """Publish a personal-data-free event to the finance topic, tagged with its tenant."""


class FinanceTopic(Protocol):
    def subscribe(self, protocol: str, endpoint: str, filter_policy: dict[str, Any],
                  raw_delivery: bool) -> dict[str, Any]:
        """Subscribe an endpoint to the finance topic with this filter; what was set up (subscription arn...)."""


class DailySummaries(Protocol):
    """Which tenants' finance teams asked for the daily summary email (a tenant setting), and the local days it
    was sent on: one marker a day, written only if absent, so it is never sent twice."""

    def set_address(self, tenant_id: str, address: str | None) -> None:
        """Where the tenant's summary goes; None stops it."""

    def address(self, tenant_id: str) -> str | None: ...

    def addresses(self) -> list[tuple[str, str]]:
        """(tenant_id, address) of every tenant that asked for the summary."""

    def claim_day(self, tenant_id: str, day: date) -> bool:
        """Mark the tenant's summary of that (local) day as sent; False, writing nothing, if it already was."""

    def release_day(self, tenant_id: str, day: date) -> None:
        """Take the day's mark back (the email could not be sent): the next run tries again."""


# --- what one use case offers the others (the container wires the service that implements each) ---------------

class Figures(Protocol):
    """A tenant's finance figures (services.figures), as the console's overview reads them."""

    def figures(self, tenant_id: str, period: tuple[date, date] | None = None) -> dict[str, Any]: ...

    def days(self, tenant_id: str, first: date, last: date) -> dict[str, dict[str, int]]: ...
