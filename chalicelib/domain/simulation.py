"""The worker's own decisions replayed over a copy of an account with a simulated clock: what the preview, the
forecast, the sweep's breaker and the console's policy editor show. Pure: nothing is read or written."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from msgspec.structs import replace

from .accounts import VULNERABLE, Account
from .decision import (
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
from .messages import EMAIL
from .notices import FINANCE, advance, notice_spent
from .policies import ESCALATE, Policy
from .ports import HolidayCalendar
from .schedule import next_wake, recipient_zones, refresh_schedule, zone
from .times import iso

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
