"""The one conflict-retry rule of the app: when a save lost a race (the account or its audit chain moved on
meanwhile), re-read and re-apply, a bounded number of times."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from .errors import Conflict

T = TypeVar("T")

CONFLICT_TRIES = 3
CONCURRENT_CHANGE = ("account", "audit")  # the Conflict fields a repository raises when a save lost a race


def is_concurrent_change(exc: Conflict) -> bool:
    return exc.field in CONCURRENT_CHANGE


def retry_on_conflict(operation: Callable[[], T]) -> T:
    """Run `operation` (which reads what it changes afresh each time) until it is not beaten to its save by
    another writer, at most CONFLICT_TRIES times; the last lost race is raised. So a billing system's PUT, a
    webhook or a reminder's record is not refused just because something else changed the account at that moment.
    Other conflicts (a refusal the operation itself raises, an outbox entry already recorded) are raised at once."""
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            return operation()
        except Conflict as exc:
            if not is_concurrent_change(exc) or attempt == CONFLICT_TRIES:
                raise
    raise AssertionError("unreachable")
