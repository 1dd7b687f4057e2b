"""The answer to the debtor's first question on their page: "what happens now?", in one sentence.

Read from the account as it stands (state, flags, plan, promise, next_action_at) on the debtor's local day;
the page words it in the debtor's language from `kind` and `on`.
"""

from __future__ import annotations

from datetime import date, datetime

from msgspec import Struct

from . import accounts as acc
from . import plans
from .accounts import Account
from .policies import Policy
from .promises import PromiseLimits
from .schedule import local_day, recipient_zones

SETTLED = "settled"  # nothing owed: nothing more will come
PERSON = "person"  # held or escalated: a person, not a reminder, comes next
PAUSED = "paused"  # a flag holds reminders (until `on`, or until someone lifts it when `on` is None)
PROMISE = "promise"  # the debtor's promise holds reminders until `on`
PLAN = "plan"  # a plan is active: only its own reminders; the next instalment is due `on`
NEXT_REMINDER = "next_reminder"  # the next reminder is planned for the local day `on`
QUIET = "quiet"  # nothing is planned


class WhatNow(Struct, frozen=True):
    kind: str
    on: date | None = None
    flag: str | None = None  # for PAUSED: which hold


def what_now(account: Account, policy: Policy, now: datetime) -> WhatNow:
    zones = recipient_zones(account)
    today = local_day(now, zones)
    if not account.owes_anything():
        return WhatNow(SETTLED)
    if account.state in (acc.HELD, acc.ESCALATED):
        return WhatNow(PERSON)
    holds = account.holding_flags(today)
    if holds:
        # The hold that lasts longest is the one that decides when reminders may come back.
        longest = max(holds, key=lambda flag: (flag.until is None, flag.until or today))
        return WhatNow(PAUSED, longest.until, longest.name)
    grace = PromiseLimits.of(policy).grace_days
    if account.promise is not None and account.promise.holds_on(today, grace):
        return WhatNow(PROMISE, account.promise.by)
    if account.plan is not None and account.plan.status == plans.ACTIVE:
        next_due = account.plan.next_due()
        return WhatNow(PLAN, next_due.due_on if next_due else None)
    if account.next_action_at is not None:
        return WhatNow(NEXT_REMINDER, max(local_day(account.next_action_at, zones), today))
    return WhatNow(QUIET)
