"""The sweep's circuit breaker: one wrong setting (a policy edit, a bad import) must never re-email everyone.

A sweep that would take a tenant's messages for the day above `multiple` x its trailing daily average (and above a
floor, so a new or small tenant is not held for its first ordinary days) holds that tenant's due accounts instead of
queueing them, tells finance once, and queues them only after a person approves. Pure: the service
(services/breaker.py) reads the counts and holds through ports.SweepLedger and decides here."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from .finance_events import finance_event
from .times import iso

DEFAULT_MULTIPLE = 3.0
DEFAULT_FLOOR = 50
TRAILING_DAYS = 7
MAX_MULTIPLE = 100.0
MAX_FLOOR = 1_000_000

# A hold's life: held (nothing queued) -> approved (the next sweep queues) -> released; or held -> discarded.
HELD = "held"
APPROVED = "approved"
RELEASED = "released"
DISCARDED = "discarded"
OPEN = (HELD, APPROVED)

VOLUME = "volume_above_usual"
FIRST_RUN = "first_run_of_policy"  # the policy version asked for its first messages to be approved


class SweepLimits(Struct, frozen=True):
    """A tenant's setting: how far above its usual day a sweep may go before a person must approve it."""

    multiple: float = DEFAULT_MULTIPLE
    floor: int = DEFAULT_FLOOR

    def __post_init__(self) -> None:
        from .errors import InvalidInput

        if not 1 <= self.multiple <= MAX_MULTIPLE:
            raise InvalidInput(f"the multiple must be between 1 and {MAX_MULTIPLE:g}", "multiple")
        if not 0 <= self.floor <= MAX_FLOOR:
            raise InvalidInput(f"the floor must be between 0 and {MAX_FLOOR}", "floor")

    def to_dict(self) -> dict[str, Any]:
        return {"multiple": self.multiple, "floor": self.floor}


class Verdict(Struct, frozen=True):
    """What the breaker found for one tenant's sweep: whether it holds, and the figures that say why."""

    over: bool
    would_send: int
    sent_today: int
    average: float
    threshold: int

    def to_dict(self) -> dict[str, Any]:
        return {"would_send": self.would_send, "sent_today": self.sent_today, "average": round(self.average, 1),
                "threshold": self.threshold}


def trailing_average(counts: dict[date, int], today: date) -> float:
    """Messages per sending day over the `TRAILING_DAYS` before today. Days that sent nothing are left out, so a
    tenant that sends on weekdays (or only on Mondays) is compared with its sending days, and a tenant with no
    history has an average of 0 (the floor alone applies)."""
    window = [counts.get(today - timedelta(days=n), 0) for n in range(1, TRAILING_DAYS + 1)]
    sending = [count for count in window if count > 0]
    return sum(sending) / len(sending) if sending else 0.0


def judge(would_send: int, counts: dict[date, int], today: date, limits: SweepLimits, allowance: int = 0
          ) -> Verdict:
    """Hold when what the day would come to (sent so far + this sweep) exceeds max(floor, multiple x average),
    plus what a person already approved today. A sweep that would send nothing never holds."""
    average = trailing_average(counts, today)
    threshold = max(limits.floor, math.ceil(limits.multiple * average)) + allowance
    sent_today = counts.get(today, 0)
    return Verdict(would_send > 0 and sent_today + would_send > threshold, would_send, sent_today, average,
                   threshold)


class SweepHold(Struct, frozen=True):
    """One held run of a tenant's sweep, and what people did about it (its `history` is the tenant-level audit:
    counts, times and who acted; never an account's personal data)."""

    tenant_id: str
    hold_id: str
    held_at: datetime
    reason: str
    status: str
    messages: int  # what the sweep would have sent when it was held (the latest sweep's count while it stays held)
    accounts: int
    figures: dict[str, Any] = field(default_factory=dict)
    history: tuple[dict[str, Any], ...] = ()
    released_on: date | None = None  # the day the approved run went out: that day's allowance

    @property
    def open(self) -> bool:
        return self.status in OPEN

    def moved(self, status: str, at: datetime, actor: str, **details: Any) -> SweepHold:
        entry = {"at": iso(at), "status": status, "actor": actor, **details}
        return replace(self, status=status, history=(*self.history, entry))

    def to_dict(self) -> dict[str, Any]:
        return {"hold_id": self.hold_id, "tenant_id": self.tenant_id, "held_at": iso(self.held_at),
                "reason": self.reason, "status": self.status, "messages": self.messages, "accounts": self.accounts,
                **self.figures, "released_on": self.released_on.isoformat() if self.released_on else None,
                "history": list(self.history)}


def hold_to_stored(hold: SweepHold) -> dict[str, Any]:
    return {"hold_id": hold.hold_id, "held_at": iso(hold.held_at), "reason": hold.reason, "status": hold.status,
            "messages": hold.messages, "accounts": hold.accounts, "figures": hold.figures,
            "history": list(hold.history), "released_on": hold.released_on.isoformat() if hold.released_on else None}


def hold_from_stored(tenant_id: str, stored: dict[str, Any]) -> SweepHold:
    released = stored.get("released_on")
    return SweepHold(tenant_id, stored["hold_id"], datetime.fromisoformat(stored["held_at"].replace("Z", "+00:00")),
                     stored["reason"], stored["status"], int(stored["messages"]), int(stored["accounts"]),
                     dict(stored.get("figures") or {}), tuple(stored.get("history") or ()),
                     date.fromisoformat(released) if released else None)


def new_hold(tenant_id: str, at: datetime, reason: str, messages: int, accounts: int, figures: dict[str, Any]
             ) -> SweepHold:
    hold = SweepHold(tenant_id, f"hold_{at.strftime('%Y%m%dT%H%M%S')}", at, reason, HELD, messages, accounts,
                     figures)
    return hold.moved(HELD, at, "sweep", messages=messages, accounts=accounts)


def allowance(holds: list[SweepHold], today: date) -> int:
    """What people approved to go out today: it does not count against the rest of the day's sweeps."""
    return sum(hold.messages for hold in holds if hold.status == RELEASED and hold.released_on == today)


def approved_first_runs(holds: list[SweepHold]) -> set[tuple[str, int]]:
    """The policy versions whose first run a person approved and that went out."""
    return {(str(hold.figures["policy"]), int(hold.figures["policy_version"])) for hold in holds
            if hold.reason == FIRST_RUN and hold.status == RELEASED}


def sweep_held_event(hold: SweepHold) -> dict[str, Any]:
    """`sweep_held` for the finance topic: counts and the reason, no account, no link (a person acts through
    `kindly sweep held|approve|discard` or the API). The same hold always carries the same event_id."""
    event = finance_event("sweep_held", hold.tenant_id, "", hold.held_at, about=hold.hold_id, hold_id=hold.hold_id,
                          reason=hold.reason, messages=hold.messages, accounts=hold.accounts, **hold.figures)
    return {**event, "account_id": None}  # about the tenant's run, not one account


class Admission(Struct, frozen=True):
    """Whether a tenant's due accounts may be queued by this sweep, and the hold that decided it, if any."""

    queue: bool
    hold: SweepHold | None = None
