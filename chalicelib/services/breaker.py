"""The sweep's circuit breaker (domain/sweep_holds.py says when it trips): at sweep time, per tenant, count what the
due accounts would send now (the worker's own decision, simulated), and hold the tenant's run when that takes the day
above its limit; a person then approves (the next sweep queues them) or discards the run. What each sweep lets
through is counted per tenant and day here too: the usual day is made of these counts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from msgspec.structs import replace

from chalicelib.domain.errors import NotFound
from chalicelib.domain.ports import (
    AccountRepository,
    Clock,
    DueEntry,
    FinanceNotifier,
    HolidayCalendar,
    PolicyBook,
    SweepLedger,
)
from chalicelib.domain.sweep_holds import (
    APPROVED,
    DISCARDED,
    FIRST_RUN,
    HELD,
    RELEASED,
    TRAILING_DAYS,
    VOLUME,
    Admission,
    SweepHold,
    SweepLimits,
    allowance,
    approved_first_runs,
    judge,
    new_hold,
    sweep_held_event,
)

HOLDS_READ = 100  # the newest holds: an open one, today's approvals, the policy versions whose first run went out
log = logging.getLogger("kindly.breaker")  # ids and counts only: a hold is about a tenant's run, never a person


class SweepBreaker:
    def __init__(self, *, ledger: SweepLedger, accounts: AccountRepository, policies: PolicyBook,
                 holidays: HolidayCalendar, notifier: FinanceNotifier, clock: Clock) -> None:
        self._ledger = ledger
        self._accounts = accounts
        self._policies = policies
        self._holidays = holidays
        self._notifier = notifier
        self._clock = clock

    # --- the sweep --------------------------------------------------------------------------------------------
    def admit(self, tenant_id: str, entries: list[DueEntry], now: datetime) -> Admission:
        """Decide whether this sweep may queue the tenant's due accounts (`entries`, from the due index)."""
        holds = self._ledger.holds(tenant_id, HOLDS_READ)
        current = next((hold for hold in holds if hold.open), None)
        would, first_runs = self._would_send(tenant_id, entries, now)
        if current is not None and current.status == APPROVED:
            released = replace(current, messages=would, accounts=len(entries), released_on=now.date()).moved(
                RELEASED, now, "sweep", messages=would, accounts=len(entries))
            if self._ledger.save_hold(released, APPROVED):
                log.info("sweep hold released", extra={"tenant_id": tenant_id, "hold_id": current.hold_id,
                                                        "messages": would})
                self._count(tenant_id, now, would)
                return Admission(True, released)
            return Admission(False, current)  # discarded meanwhile: the next sweep judges afresh
        if current is not None:  # still waiting for a person: the count moves on, finance is not told again
            waiting = replace(current, messages=would, accounts=len(entries))
            self._ledger.save_hold(waiting, HELD)
            return Admission(False, waiting)
        today = now.date()
        counts = self._ledger.sent_counts(tenant_id, today - timedelta(days=TRAILING_DAYS), today)
        verdict = judge(would, counts, today, self.limits(tenant_id), allowance(holds, today))
        unapproved = sorted(first_runs - approved_first_runs(holds))
        if unapproved:  # a policy version that asked for a person's approval of its first run
            name, version = unapproved[0]
            hold = new_hold(tenant_id, now, FIRST_RUN, would, len(entries),
                            {**verdict.to_dict(), "policy": name, "policy_version": version})
        elif verdict.over:
            hold = new_hold(tenant_id, now, VOLUME, would, len(entries), verdict.to_dict())
        else:
            self._count(tenant_id, now, would)
            return Admission(True)
        if self._ledger.save_hold(hold, None):
            hold = self._tell_finance(hold, now)
            log.warning("sweep held", extra={"tenant_id": tenant_id, "hold_id": hold.hold_id, "reason": hold.reason,
                                             **verdict.to_dict()})
        return Admission(False, hold)

    def _would_send(self, tenant_id: str, entries: list[DueEntry], now: datetime) -> tuple[int, set[tuple[str, int]]]:
        """How many messages the worker would send these accounts now: its own decision, simulated on a copy
        (services/preview.py), so a deferral to the morning or a withheld reminder is not counted; and the policy
        versions sending them that want their first run approved."""
        from chalicelib.domain.simulation import simulate

        total = 0
        first_runs: set[tuple[str, int]] = set()
        for _tenant, account_id, snapshot in entries:
            account = (self._accounts.from_snapshot(snapshot) if snapshot is not None
                       else self._accounts.get(tenant_id, account_id))
            if account is None:
                continue
            policy = self._policies.for_account(account)
            messages = simulate(account, policy, now, 0, self._holidays, until=now)
            sending = sum(1 for m in messages if m["withheld"] is None and m["channel"] is not None)
            total += sending
            if sending and policy.require_approval_first_run:
                first_runs.add((policy.name, policy.version))
        return total, first_runs

    def _tell_finance(self, hold: SweepHold, now: datetime) -> SweepHold:
        """Finance hears of a hold once, when it is made; a failed publish is noted on the hold (and logged)."""
        try:
            self._notifier.publish(hold.tenant_id, sweep_held_event(hold))
        except Exception:  # noqa: BLE001 - the hold stands all the same; `kindly sweep held` shows finance missed it
            log.exception("sweep_held not published", extra={"tenant_id": hold.tenant_id, "hold_id": hold.hold_id})
            missed = replace(hold, figures={**hold.figures, "finance_told": False})
            self._ledger.save_hold(missed, HELD)
            return missed
        return hold

    def outlook(self, tenant_id: str, would_send: int, now: datetime,
                first_runs: frozenset[tuple[str, int]] = frozenset()) -> dict[str, Any]:
        """Whether the breaker would hold a run of `would_send` messages today (the forecast shows it), or hold it
        for the first run of a policy version in `first_runs` (those sending it that ask for approval) that no
        person approved yet; and the hold that is open now, if any."""
        holds = self._ledger.holds(tenant_id, HOLDS_READ)
        current = next((hold for hold in holds if hold.open), None)
        today = now.date()
        counts = self._ledger.sent_counts(tenant_id, today - timedelta(days=TRAILING_DAYS), today)
        verdict = judge(would_send, counts, today, self.limits(tenant_id), allowance(holds, today))
        unapproved = sorted(first_runs - approved_first_runs(holds))
        first_run = {"policy": unapproved[0][0], "policy_version": unapproved[0][1]} if unapproved else None
        return {"limits": self.limits(tenant_id).to_dict(), **verdict.to_dict(), "first_run": first_run,
                "would_hold": verdict.over or first_run is not None or (current is not None and current.status == HELD),
                "open_hold": {"hold_id": current.hold_id, "status": current.status} if current else None}

    def _count(self, tenant_id: str, now: datetime, would: int) -> None:
        """The day's count (the trailing average is made of these) grows by what this sweep queues to be sent:
        one write per tenant and sweep, so the worker's reminder stays at its three AWS calls."""
        if would > 0:
            self._ledger.count_sent(tenant_id, now.date(), would)

    # --- people ---------------------------------------------------------------------------------------------------
    def held(self, tenant_id: str) -> dict[str, Any]:
        """The tenant's limits and holds (newest first), each with its history of who did what and when."""
        return {"tenant_id": tenant_id, "limits": self.limits(tenant_id).to_dict(),
                "holds": [hold.to_dict() for hold in self._ledger.holds(tenant_id)]}

    def approve(self, tenant_id: str, actor: str) -> dict[str, Any]:
        """Lift the open hold for its run: the next sweep queues the tenant's due accounts."""
        return self._decide(tenant_id, APPROVED, actor).to_dict()

    def discard(self, tenant_id: str, actor: str) -> dict[str, Any]:
        """Close the open hold without sending; the next sweep judges the tenant's due accounts afresh (fix the
        policy or the import first, or it holds them again)."""
        return self._decide(tenant_id, DISCARDED, actor).to_dict()

    def _decide(self, tenant_id: str, status: str, actor: str) -> SweepHold:
        now = self._clock.now()
        current = next((hold for hold in self._ledger.holds(tenant_id) if hold.status == HELD), None)
        decided = current.moved(status, now, actor) if current is not None else None
        if decided is None or not self._ledger.save_hold(decided, HELD):  # none held, or a person got there first
            raise NotFound("no sweep of this tenant is held (see `kindly sweep held`)", "tenant")
        log.warning("sweep hold %s", status, extra={"tenant_id": tenant_id, "hold_id": decided.hold_id,
                                                     "actor": actor})
        return decided

    def limits(self, tenant_id: str) -> SweepLimits:
        return self._ledger.limits(tenant_id) or SweepLimits()

    def set_limits(self, tenant_id: str, multiple: float | None = None, floor: int | None = None) -> dict[str, Any]:
        """Change the tenant's multiple and/or floor (InvalidInput, naming the field, for a value out of range)."""
        current = self.limits(tenant_id)
        limits = SweepLimits(current.multiple if multiple is None else multiple,
                             current.floor if floor is None else floor)
        self._ledger.set_limits(tenant_id, limits)
        return limits.to_dict()
