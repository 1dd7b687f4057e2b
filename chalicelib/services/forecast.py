"""Tomorrow's run: what the coming sweeps will send a tenant's debtors, and what they will hold back and why, from
the real accounts. Only accounts due within the window are read (the tenant's due index); each is run through the
worker's own decision with a simulated clock (domain/simulation.py). Nothing is written or sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.ports import AccountRepository, Clock, HolidayCalendar, PolicyBook, SweepGate, TenantLookup
from chalicelib.domain.times import iso

MAX_HOURS = 168


class ForecastService:
    def __init__(self, *, accounts: AccountRepository, policies: PolicyBook, tenants: TenantLookup,
                 holidays: HolidayCalendar, clock: Clock, breaker: SweepGate) -> None:
        self._accounts = accounts
        self._policies = policies
        self._tenants = tenants
        self._holidays = holidays
        self._clock = clock
        self._breaker = breaker

    def forecast(self, tenant_id: str, hours: int = 24) -> dict[str, Any]:
        from chalicelib.domain.simulation import simulate

        if not 1 <= hours <= MAX_HOURS:
            raise InvalidInput(f"a forecast covers 1 to {MAX_HOURS} hours", "hours")
        if self._tenants.get(tenant_id) is None:
            raise NotFound(f"no tenant {tenant_id!r}", "tenant")
        now = self._clock.now()
        until = now + timedelta(hours=hours)
        send: list[dict[str, Any]] = []
        hold_back: list[dict[str, Any]] = []
        hand_over: list[dict[str, Any]] = []
        accounts = 0
        first_runs: set[tuple[str, int]] = set()  # policy versions sending here that want their first run approved
        for _tenant, account_id, snapshot in self._accounts.due_of_tenant(tenant_id, until):
            account = (self._accounts.from_snapshot(snapshot) if snapshot is not None
                       else self._accounts.get(tenant_id, account_id))
            if account is None:
                continue
            accounts += 1
            policy = self._policies.for_account(account)
            for message in simulate(account, policy, now, 0, self._holidays, until=until):
                row = {"account_id": account_id, "at": message["at"], "local_time": message["local_time"],
                       "channel": message["channel"], "template": message["template"], "policy": policy.name}
                if message.get("deferred_by"):
                    row["waited_for"] = message["deferred_by"]  # why it goes then and not at once
                if message["withheld"] is not None:
                    hold_back.append({**row, "reason": message["withheld"]})
                elif message["channel"] is None:  # an escalation or a broken plan: a person at the tenant hears
                    hand_over.append({**row, "action": message.get("action")})
                else:
                    send.append(row)
                    if policy.require_approval_first_run:
                        first_runs.add((policy.name, policy.version))
        return {
            "tenant_id": tenant_id, "from": iso(now), "until": iso(until), "hours": hours,
            "accounts_due": accounts,
            "send": sorted(send, key=_order), "hold_back": sorted(hold_back, key=_order),
            "hand_over": sorted(hand_over, key=_order),
            "counts": {"send": len(send), "hold_back": len(hold_back), "hand_over": len(hand_over)},
            "breaker": self._breaker.outlook(tenant_id, len(send), now, frozenset(first_runs)),
        }


def _order(row: dict[str, Any]) -> tuple[str, str]:
    return row["at"], row["account_id"]
