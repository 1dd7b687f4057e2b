"""Promises to pay: whether a debtor's promise (an amount in a currency owed, by a date) is acceptable, how
long it pauses reminders (to its date plus the grace days), and when payments keep it or time breaks it.

Pure: the caller passes the debtor's local day, what is owed, and the money paid since the promise was made.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from .errors import Conflict, InvalidInput
from .policies import DEFAULT_GRACE_DAYS, DEFAULT_PROMISE_DAYS, Policy
from .times import iso

OPEN, KEPT, BROKEN = "open", "kept", "broken"
STATUSES = (OPEN, KEPT, BROKEN)


class PromiseLimits(Struct, frozen=True):
    max_days: int = DEFAULT_PROMISE_DAYS  # how far after today `by` may fall
    grace_days: int = DEFAULT_GRACE_DAYS  # the plans' grace: a promise is broken this many days after `by`

    @classmethod
    def of(cls, policy: Policy) -> PromiseLimits:
        return cls(int(policy.promise.get("max_days", DEFAULT_PROMISE_DAYS)),
                   int(policy.plans.get("grace_days", DEFAULT_GRACE_DAYS)))


class Promise(Struct, frozen=True):
    amount: int
    currency: str
    by: date
    created_at: datetime
    paid: int = 0  # paid in `currency` since the promise was made, up to `by` plus the grace days
    status: str = OPEN

    def paused_until(self, grace_days: int) -> date:
        """The last local day the promise holds reminders."""
        return self.by + timedelta(days=grace_days)

    def holds_on(self, day: date, grace_days: int) -> bool:
        """Whether reminders wait on `day`: an open promise, up to its date plus the grace days."""
        return self.status == OPEN and day <= self.paused_until(grace_days)

    def to_dict(self) -> dict[str, Any]:
        return {"amount": self.amount, "currency": self.currency, "by": self.by.isoformat(),
                "created_at": iso(self.created_at), "paid": self.paid, "status": self.status}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Promise:
        status = str(data["status"])
        if status not in STATUSES:
            raise ValueError(f"unknown promise status {status!r}")
        return cls(int(data["amount"]), str(data["currency"]), date.fromisoformat(data["by"]),
                   datetime.fromisoformat(data["created_at"]), int(data["paid"]), status)


def make_promise(amount: int, currency: str, by: date, owed: Mapping[str, int], today: date,
                 limits: PromiseLimits, current: Promise | None, at: datetime) -> Promise:
    """A new open promise, or InvalidInput naming the field (Conflict when one is still open).

    `current` is the account's latest promise, already brought up to date with `lapse` for `today`.
    """
    if current is not None and current.status == OPEN:
        raise Conflict(f"a promise to pay by {current.by.isoformat()} is still open", "promise")
    if amount <= 0:
        raise InvalidInput("amount must be more than zero", "amount")
    owing = owed.get(currency, 0)
    if owing <= 0:
        raise InvalidInput(f"the account owes nothing in {currency}", "currency")
    if amount > owing:
        raise InvalidInput(f"amount is more than the {owing} owed in {currency}", "amount")
    if by < today:
        raise InvalidInput("by must not be in the past", "by")
    if by > today + timedelta(days=limits.max_days):
        raise InvalidInput(f"by must be within {limits.max_days} days", "by")
    return Promise(amount, currency, by, at)


def apply_payment(promise: Promise, amount: int, currency: str, paid_on: date, grace_days: int) -> Promise:
    """Money paid on `paid_on` (the debtor's local day) counts toward an open promise in its currency until
    its date plus the grace days; the promise is kept once it reaches the amount. Money in another currency,
    or after the promise was kept or broken, changes nothing here (it still pays the account)."""
    if amount < 0:
        raise ValueError("a payment is not negative")
    if promise.status != OPEN or currency != promise.currency or paid_on > promise.paused_until(grace_days):
        return promise
    paid = promise.paid + amount
    return replace(promise, paid=paid, status=KEPT if paid >= promise.amount else OPEN)


def lapse(promise: Promise, today: date, grace_days: int) -> Promise:
    """An open promise not kept by its date plus the grace days is broken, and reminders resume."""
    if promise.status == OPEN and today > promise.paused_until(grace_days):
        return replace(promise, status=BROKEN)
    return promise
