"""Sweeping a tenant through simulated days on the 15-minute grid, as the deployed schedule would, recording
what the worker sent: shared by the tests that hold the worker to the preview."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.clock import FixedClock
from chalicelib.bootstrap import Container
from chalicelib.in_process_sweep import run_sweep

SWEEP_EVERY = timedelta(minutes=15)
Sent = dict[str, list[tuple[str, str | None, str | None]]]


def worker_sends(aws: Any, tenant_id: str, account_ids: Iterable[str], start: datetime, days: int,
                 stamp: Callable[[datetime], str]) -> Sent:
    """(stamp(instant), channel, template) of what each account was sent; an escalation as (…, None, "escalate").
    A sweep that would find nothing due does nothing, so the clock jumps to the first tick at or after the
    earliest next action (read back from the table) instead of running it."""
    ids = list(account_ids)
    sent: Sent = {account_id: [] for account_id in ids}
    end = start + timedelta(days=days)
    now = start
    while now <= end:
        def note(item: dict[str, Any], outcome: Any, at: datetime = now) -> None:
            if outcome.kind == "sent":
                sent[item["account_id"]].append((stamp(at), outcome.channel, outcome.template))
            elif outcome.kind == "escalated":
                sent[item["account_id"]].append((stamp(at), None, "escalate"))

        run_sweep(Container(aws.settings, clock=FixedClock(now)), now, tenant_id, on_outcome=note)
        upcoming = [a.next_action_at for account_id in ids
                    if (a := aws.account_repository.get(tenant_id, account_id)).next_action_at is not None]
        if not upcoming:
            break
        earliest = max(min(upcoming), now + SWEEP_EVERY)
        now = start + -(-(earliest - start) // SWEEP_EVERY) * SWEEP_EVERY
    return sent
