"""Segments: which of a tenant's policies an account that names none gets, and why.

A policy takes part when its segment has a `priority` (lower goes first; ties by name). The first policy whose
segment matches the account applies; when none does, `standard`. A segment matches when every condition it sets
holds: the balance owed in some currency is in [min_balance, max_balance), the account carries at least one of
`tags`, its country is one of `countries` (an empty list sets no condition)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from msgspec import Struct

from .accounts import Account
from .policies import Policy

DEFAULT_POLICY = "standard"


class PolicyApplied(Struct, frozen=True):
    name: str
    why: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "why": self.why}


def in_order(policies: Iterable[Policy]) -> list[Policy]:
    """The policies that take part in choosing, in the order they are tried."""
    ranked = [p for p in policies if p.segment.get("priority") is not None]
    return sorted(ranked, key=lambda p: (int(p.segment["priority"]), p.name))


def segment_reasons(segment: Mapping[str, Any], account: Account) -> list[str] | None:
    """What about the account fits the segment (one phrase per condition set), or None if it does not fit."""
    reasons: list[str] = []
    low, high = int(segment.get("min_balance") or 0), segment.get("max_balance")
    if low > 0 or high is not None:
        owed = account.balance() or {"": 0}
        fitting = [amount for amount in owed.values() if amount >= low and (high is None or amount < int(high))]
        if not fitting:
            return None
        if low > 0:
            reasons.append(f"balance >= {low}")
        if high is not None:
            reasons.append(f"balance < {int(high)}")
    tags = list(segment.get("tags") or [])
    if tags:
        shared = [tag for tag in tags if tag in account.tags]
        if not shared:
            return None
        reasons.append(f"tag '{shared[0]}'")
    countries = list(segment.get("countries") or [])
    if countries:
        if account.country not in countries:
            return None
        reasons.append(f"country {account.country}")
    return reasons


def choose_policy(account: Account, ranked: Iterable[Policy]) -> PolicyApplied:
    """Which policy applies to the account and why. `ranked` is in_order(the tenant's policies)."""
    if account.policy:
        return PolicyApplied(account.policy, "named on the account")
    for policy in ranked:
        reasons = segment_reasons(policy.segment, account)
        if reasons is not None:
            conditions = ", ".join(reasons) or "matches every account"
            return PolicyApplied(policy.name, f"segment of policy '{policy.name}': {conditions}")
    return PolicyApplied(DEFAULT_POLICY, "no policy's segment matches; the standard policy applies")
