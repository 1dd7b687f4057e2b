"""Policy preview: every message a policy would send an account over the next N days, when (in the
debtor's local time), and which rule would hold one back. A dry simulation on the pure domain: nothing is
read beyond the account and policy, nothing is written, nothing is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import VULNERABLE, Account, SentRecord
from chalicelib.domain.audit import iso
from chalicelib.domain.courtesy import Defer, Withhold, evaluate, flag_rule
from chalicelib.domain.messages import EMAIL
from chalicelib.domain.policies import ESCALATE, Policy
from chalicelib.domain.schedule import due_step, mark_handled, recipient_zones, zone
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.preview import PreviewIn
from chalicelib.services.accounts import account_from_input, refresh_schedule
from chalicelib.services.remind import guard_input, is_vulnerable, reachable_by

MAX_EVENTS = 200


def simulate(account: Account, policy: Policy, start: datetime, days: int,
             holidays: Callable[[str | None, str | None], Callable[[date], bool]]) -> list[dict[str, Any]]:
    account = replace(account, policy=policy.name, pending_events=[], recent_sends=list(account.recent_sends))
    refresh_schedule(account, policy)
    end = start + timedelta(days=days)
    where = zone(recipient_zones(account)[0])
    messages: list[dict[str, Any]] = []
    deferred_by: str | None = None
    for _ in range(MAX_EVENTS):
        at = account.next_action_at
        if at is None or at > end or not account.owes_anything():
            break
        at = max(at, start)
        due = due_step(account, policy, at, reachable_by(account, policy, at, holidays))
        if due is None:
            break
        if due.superseded:
            mark_handled(account, policy, max(due.superseded))
        entry = {"at": iso(at), "local_time": at.astimezone(where).isoformat(), "channel": due.step.channel,
                 "template": due.step.template, "withheld": None, "deferred_by": deferred_by}
        if is_vulnerable(account, at):
            messages.append({**entry, "channel": None, "template": None, "action": ESCALATE, "reason": VULNERABLE})
            break
        if due.step.action == ESCALATE:
            held = flag_rule(guard_input(account, policy, EMAIL, at, holidays))
            if held is None:
                messages.append({**entry, "action": ESCALATE})
                break
            messages.append({**entry, "action": ESCALATE, "withheld": held.rule})
            account.next_action_at = held.resume_at
            continue
        decision = evaluate(guard_input(account, policy, due.step.channel or EMAIL, at, holidays))
        if isinstance(decision, Defer):
            account.next_action_at, deferred_by = decision.until, decision.rule
            continue
        deferred_by = None
        if isinstance(decision, Withhold):
            messages.append({**entry, "withheld": decision.rule})
            if decision.holds_step:
                account.next_action_at = decision.resume_at
                continue
        else:
            messages.append(entry)
            account.recent_sends.append(SentRecord(at, due.step.channel or EMAIL, "preview"))
        mark_handled(account, policy, due.index)
        refresh_schedule(account, policy)
    return messages


class PreviewService:
    def __init__(self, accounts: Any, policies: Any, tenants: Any, holidays: Any, clock: Any) -> None:
        self._accounts = accounts
        self._policies = policies
        self._tenants = tenants
        self._holidays = holidays
        self._clock = clock

    def preview(self, tenant_id: str, name: str, body: str | bytes | dict[str, Any]) -> dict[str, Any]:
        data = parse(PreviewIn, body)
        policy = self._policies.get(tenant_id, name)
        if data.account_id is not None:
            account = self._accounts.get(tenant_id, data.account_id)
        else:
            assert data.account is not None
            tenant = self._tenants.get(tenant_id)
            account = account_from_input(tenant_id, "preview", data.account, tenant.locale if tenant else "en-US")
        start = data.start or self._clock.now()
        return {
            "policy": policy.name, "version": policy.version, "account_id": account.account_id,
            "from": iso(start), "days": data.days,
            "messages": simulate(account, policy, start, data.days, self._holidays),
        }
