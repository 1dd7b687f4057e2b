"""A tenant's finance figures as counters: what one account adds to them, and the answer they make.

The figures are kept by the accounts table's stream (services/figure_stream.py): each change of an account adds
contribution(new) less what was counted for it (domain/counted.py) to its tenant's counters, so GET /v1/metrics
reads a few aggregate items instead of every account. Counters are named `<kind>:<detail>` and fall in three scopes:

- flows (`tally:`, `received:`, `returned:`, `plan_paid:`): things that happened; kept in total and per UTC day
  (the day the change was recorded), so a period's figures are the sum of its days;
- levels (`accounts`, `state:`, `outstanding:`, `plans_active`, `opt_out:`, `holding:<flag>`): how things stand
  now, kept in total only;
- ends (`ends:<flag>@<instant>`): a holding flag with an end date is counted under the instant it stops holding
  (the start of its `until` day in the latest of the debtor's zones), kept per UTC day of that instant; a read
  counts those whose instant is still ahead, so "pauses active now" is right whenever it is read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .accounts import Account
from .deliverability import rates
from .payments import CHARGEBACK, FAILED, REFUNDED, SUCCEEDED
from .plans import ACTIVE
from .schedule import recipient_zones, zone
from .times import iso

Counters = dict[str, int]

FLOW_PREFIXES = ("tally:", "received:", "returned:", "plan_paid:")
ENDS_PREFIX = "ends:"
PLAN_FIGURES = ("offered", "started", "completed", "broken", "cancelled")  # tallied (domain/tallies.py)
PAUSES = ("hardship", "breathing_space")

TOTAL_ITEM = "total"
DAY_ITEM = "day#"
ENDS_ITEM = "ends#"


def contribution(account: Account | None) -> Counters:
    """The counters one account adds to its tenant's figures (nothing for an account that does not exist)."""
    if account is None:
        return {}
    counts: Counter[str] = Counter({"accounts": 1, f"state:{account.state}": 1})
    counts.update({f"tally:{key}": n for key, n in account.tallies.items()})
    received, returned = account.payment_totals()
    counts.update({f"received:{currency}": amount for currency, amount in received.items()})
    counts.update({f"returned:{currency}": amount for currency, amount in returned.items()})
    counts.update({f"outstanding:{currency}": amount for currency, amount in account.balance().items()})
    if account.plan is not None:
        counts["plans_active"] += account.plan.status == ACTIVE
        counts[f"plan_paid:{account.plan.currency}"] += account.plan.paid
    counts.update({f"plan_paid:{currency}": paid for currency, paid in account.earlier_plans_paid.items()})
    counts["opt_out:email"] += account.email_suppressed == "unsubscribed"
    counts["opt_out:sms"] += account.sms_opted_out
    for flag in account.holding_flags(date.min):  # every flag that holds on some day: its end is counted apart
        if flag.until is None:
            counts[f"holding:{flag.name}"] += 1
        else:
            counts[f"{ENDS_PREFIX}{flag.name}@{_minute(end_instant(flag.until, recipient_zones(account)))}"] += 1
    return {key: n for key, n in counts.items() if n}


def delta(old: Account | None, new: Account | None) -> Counters:
    """What a change of one account (a stream record's old and new image) adds to its tenant's counters."""
    return difference(contribution(new), contribution(old))


def difference(after: Mapping[str, int], before: Mapping[str, int]) -> Counters:
    """Counters `after` less counters `before`, without the zeros."""
    changed = {key: after.get(key, 0) - before.get(key, 0) for key in before.keys() | after.keys()}
    return {key: n for key, n in sorted(changed.items()) if n}


def end_instant(until: date, zones: tuple[str, ...]) -> datetime:
    """When a flag held `until` a day stops holding: that day has begun in every one of the debtor's zones
    (holds_at compares the earliest local day among them)."""
    return max(datetime.combine(until, time(0), zone(name)) for name in zones).astimezone(UTC)


def placements(change: Mapping[str, int], day: date) -> dict[str, Counters]:
    """Which aggregate item each counter of a change is added to: flows and levels to the total, flows also to
    the day the change was recorded, ends to the day they fall on."""
    items: dict[str, Counters] = {}
    for key, n in change.items():
        if key.startswith(ENDS_PREFIX):
            items.setdefault(ENDS_ITEM + _end_of(key)[:10], {})[key] = n
            continue
        items.setdefault(TOTAL_ITEM, {})[key] = n
        if key.startswith(FLOW_PREFIXES):
            items.setdefault(day_item(day), {})[key] = n
    return items


def day_item(day: date) -> str:
    return f"{DAY_ITEM}{day.isoformat()}"


def ends_item(day: date) -> str:
    return f"{ENDS_ITEM}{day.isoformat()}"


def sum_counters(items: Iterable[Mapping[str, int]]) -> Counters:
    total: Counter[str] = Counter()
    for counters in items:
        total.update(counters)
    return dict(total)


def flows_of(counters: Mapping[str, int]) -> Counters:
    return {key: n for key, n in counters.items() if key.startswith(FLOW_PREFIXES)}


def still_holding(ends: Mapping[str, int], now: datetime) -> Counter[str]:
    """Per flag, the holds counted under an end instant still ahead of `now`."""
    instant = _minute(now)
    holding: Counter[str] = Counter()
    for key, n in ends.items():
        name = key.removeprefix(ENDS_PREFIX).split("@", 1)[0]
        if _end_of(key) > instant:
            holding[name] += n
    return holding


def answer(total: Mapping[str, int], flows: Mapping[str, int], ends: Mapping[str, int],
           now: datetime) -> dict[str, Any]:
    """The GET /v1/metrics answer: levels from the total, flows from `flows` (the total's, or a period's)."""
    tallies = _after(flows, "tally:")
    states = _after(total, "state:")
    holding = Counter(_after(total, "holding:")) + still_holding(ends, now)
    received, returned = _money(flows, "received:"), _money(flows, "returned:")
    return {
        "as_of": iso(now),
        "accounts": {"total": total.get("accounts", 0), "by_state": dict(sorted(states.items()))},
        # a currency fully paid back stays, at 0: money did move in it
        "recovered": {cur: received.get(cur, 0) - returned.get(cur, 0) for cur in sorted(received | returned)},
        "paid_back": returned,
        "outstanding": _money(total, "outstanding:"),
        "payments": {kind: tallies.get(kind, 0) for kind in (SUCCEEDED, FAILED, REFUNDED, CHARGEBACK)},
        "messages": {
            "sent": _after(tallies, "sent:"),
            "withheld": _after(tallies, "withheld:"),
            "deferred": _after(tallies, "deferred:"),
            "escalated": tallies.get("escalated", 0),
        },
        "plans": {**{what: tallies.get(f"plans:{what}", 0) for what in PLAN_FIGURES},
                  "active": total.get("plans_active", 0), "recovered": _money(flows, "plan_paid:")},
        "settled_for_less": tallies.get("settled_for_less", 0),
        "opt_outs": {"email": total.get("opt_out:email", 0), "sms": total.get("opt_out:sms", 0)},
        "deliverability": {
            **rates(tallies.get("sent:email", 0), tallies.get("email_bounced", 0),
                    tallies.get("email_complained", 0)),
            "bounced": tallies.get("email_bounced", 0), "complained": tallies.get("email_complained", 0)},
        "disputes": {"open": holding.get("dispute", 0), "opened": tallies.get("flag:dispute", 0)},
        "pauses": {"active": sum(holding.get(name, 0) for name in PAUSES),
                   "hardship_started": tallies.get("flag:hardship", 0)},
    }


def recovered_per_day(days: Mapping[str, Mapping[str, int]]) -> dict[str, dict[date, int]]:
    """Per currency, money received less paid back on each day of `days` (aggregate items by item key)."""
    per_currency: dict[str, dict[date, int]] = {}
    for key, counters in days.items():
        day = date.fromisoformat(key.removeprefix(DAY_ITEM))
        for name, n in counters.items():
            sign = 1 if name.startswith("received:") else -1 if name.startswith("returned:") else 0
            if sign:
                by_day = per_currency.setdefault(name.split(":", 1)[1], {})
                by_day[day] = by_day.get(day, 0) + sign * n
    return per_currency


def day_range(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _after(counters: Mapping[str, int], prefix: str) -> dict[str, int]:
    return dict(sorted((key.removeprefix(prefix), n) for key, n in counters.items() if key.startswith(prefix) and n))


def _money(counters: Mapping[str, int], prefix: str) -> dict[str, int]:
    return _after(counters, prefix)


def _minute(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H%MZ")  # no colon: the key's parts are split on them


def _end_of(key: str) -> str:
    return key.rsplit("@", 1)[-1]
