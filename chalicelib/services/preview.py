"""Policy preview: every message a policy would send an account over the next N days, when (in the
debtor's local time), and which rule would hold one back. A dry simulation on the pure domain: nothing is
read beyond the account and policy, nothing is written, nothing is sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import VULNERABLE, Account
from chalicelib.domain.closures import with_excluded_days
from chalicelib.domain.decision import (
    THANK_YOU,
    Defer,
    Escalate,
    Nothing,
    Notify,
    Paused,
    Send,
    Thank,
    Withhold,
    apply_delivered,
    apply_withheld,
    decide,
    remember_send,
    skip_superseded,
)
from chalicelib.domain.errors import NotFound
from chalicelib.domain.messages import EMAIL
from chalicelib.domain.notices import FINANCE, advance, notice_spent
from chalicelib.domain.policies import ESCALATE, Policy
from chalicelib.domain.ports import AccountRepository, Clock, HolidayCalendar, PolicyBook, TenantLookup
from chalicelib.domain.schedule import next_wake, recipient_zones, refresh_schedule, zone
from chalicelib.domain.times import iso
from chalicelib.inputs.accounts import account_from_input
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.preview import PreviewIn

MAX_EVENTS = 200
PREVIEW_ID = "preview"


def simulate(account: Account, policy: Policy, start: datetime, days: int, calendar: HolidayCalendar,
             until: datetime | None = None) -> list[dict[str, Any]]:
    """Run the worker's own `decide` over a copy of the account, with a simulated clock: each time the
    worker would pick the account up, decide, and move the copy on as the worker would after a delivery."""
    account = replace(account, policy=policy.name, pending_events=[], recent_sends=list(account.recent_sends))
    refresh_schedule(account, policy)
    end = until or start + timedelta(days=days)  # `until`: a window shorter than a day (the forecast, the breaker)
    where = zone(recipient_zones(account)[0])
    messages: list[dict[str, Any]] = []
    deferred_by: str | None = None
    last_at = start
    for _ in range(MAX_EVENTS):
        if account.next_action_at is None or account.next_action_at > end:
            break
        at = max(account.next_action_at, start, last_at)  # a step overdue since before a plan broke: now, not then
        last_at = at
        account.updated_at = at  # as the worker's write would: a notice owed now wakes the account from here
        refresh_schedule(account, policy)
        advance(account, policy, at)  # instalments missed, a promise lapsed, an offer made: as the worker would
        refresh_schedule(account, policy)
        decision = decide(account, policy, at, calendar)
        entry = {"at": iso(at), "local_time": at.astimezone(where).isoformat(), "channel": None,
                 "template": None, "withheld": None, "deferred_by": deferred_by}
        if isinstance(decision, Nothing):
            if decision.reason == "held":
                break
            following = next_wake(account, policy, at)
            if following is None or following <= at:
                break
            account.next_action_at = following
            continue
        if isinstance(decision, Paused):
            account.next_action_at = next_wake(account, policy, at)
            if account.next_action_at is None or account.next_action_at <= at:
                break
            continue
        if isinstance(decision, Notify | Defer | Withhold) and decision.notice is not None:
            if not _simulate_notice(account, policy, decision, entry, messages):
                break
            deferred_by = decision.rule if isinstance(decision, Defer) else None
            continue
        if isinstance(decision, Defer):
            if decision.thanks is not None:
                account.pending_thanks = replace(decision.thanks, not_before=decision.until)
                refresh_schedule(account, policy)
            else:
                account.next_action_at = decision.until
            deferred_by = decision.rule
            continue
        deferred_by = None
        if isinstance(decision, Thank | Withhold) and decision.thanks is not None:
            account.pending_thanks = None
            refresh_schedule(account, policy)
            messages.append({**entry, "channel": EMAIL, "template": THANK_YOU,
                             "withheld": decision.rule if isinstance(decision, Withhold) else None})
            if isinstance(decision, Thank):
                remember_send(account, EMAIL, PREVIEW_ID, at)
            continue
        if isinstance(decision, Withhold) and decision.due is None:  # nothing owed: nothing more to ask
            account.next_action_at = None
            continue
        due = decision.due if not isinstance(decision, Thank | Notify | Paused) else None
        assert due is not None
        skip_superseded(account, policy, due)
        entry = {**entry, "channel": due.step.channel, "template": due.step.template}
        if isinstance(decision, Escalate):
            if decision.reason == VULNERABLE:
                entry = {**entry, "channel": None, "template": None, "action": ESCALATE, "reason": VULNERABLE}
            else:
                entry = {**entry, "action": ESCALATE}
            messages.append(entry)
            apply_delivered(account, policy, due, PREVIEW_ID, at)
        elif isinstance(decision, Withhold):
            if due.step.action == ESCALATE:
                entry = {**entry, "action": ESCALATE}
            messages.append({**entry, "withheld": decision.rule})
            apply_withheld(account, policy, decision)
        else:
            assert isinstance(decision, Send)
            messages.append({**entry, "timing": decision.timing} if decision.timing else entry)
            apply_delivered(account, policy, due, PREVIEW_ID, at)
    return messages


def _simulate_notice(account: Account, policy: Policy, decision: Notify | Defer | Withhold, entry: dict[str, Any],
                     messages: list[dict[str, Any]]) -> bool:
    """A plan, promise or settlement notice, as the worker would carry it out; False when nothing follows."""
    notice = decision.notice
    assert notice is not None
    at = datetime.fromisoformat(entry["at"])
    if isinstance(decision, Defer):
        account.next_action_at = decision.until
        return True
    if isinstance(decision, Withhold) and decision.holds_step:
        account.next_action_at = decision.resume_at
        return decision.resume_at is not None and decision.resume_at > at
    finance = notice.channel == FINANCE
    shown = {**entry, "channel": None if finance else notice.channel, "template": None if finance else notice.kind}
    if finance:
        shown["action"] = notice.kind
    messages.append({**shown, "withheld": decision.rule if isinstance(decision, Withhold) else None})
    notice_spent(account, policy, notice, at)
    if isinstance(decision, Notify) and not finance:
        remember_send(account, notice.channel, PREVIEW_ID, at)
    refresh_schedule(account, policy)
    return True


class PreviewService:
    def __init__(self, accounts: AccountRepository, policies: PolicyBook, tenants: TenantLookup,
                 holidays: HolidayCalendar, clock: Clock) -> None:
        self._accounts = accounts
        self._policies = policies
        self._tenants = tenants
        self._holidays = holidays
        self._clock = clock

    def preview(self, tenant_id: str, name: str, body: str | bytes | dict[str, Any]) -> dict[str, Any]:
        data = parse(PreviewIn, body)
        policy = self._policies.get(tenant_id, name)
        tenant = self._tenants.get(tenant_id)
        if data.account_id is not None:
            found = self._accounts.get(tenant_id, data.account_id)
            if found is None:
                raise NotFound(f"no account {data.account_id!r}", "account_id")
            account = found
        else:
            assert data.account is not None
            account = account_from_input(tenant_id, "preview", data.account, tenant.locale if tenant else "en-US")
        start = data.start or self._clock.now()
        closed = tenant.excluded_days if tenant else ()  # the days the tenant closes hold reminders too
        return {
            "policy": policy.name, "version": policy.version, "account_id": account.account_id,
            "from": iso(start), "days": data.days,
            "policy_applied": self._policies.applied(account).to_dict(),  # the policy in force for this account
            "messages": simulate(account, policy, start, data.days, with_excluded_days(self._holidays, closed)),
        }
