"""What an account can be offered: a payment plan, a settlement for less. Messages may only offer these.

Pure standard library. The policy's `plans` and the settlement offer are read as plain data (mappings or
objects with the API.md field names), so plans.py and settlement.py plug in without this module importing them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from msgspec import Struct

MIN_PLAN_INSTALMENTS = 2


class Offers(Struct, frozen=True):
    """What a message may offer the debtor. The default offers nothing."""

    plan: bool = False
    settlement: bool = False


NOTHING = Offers()


def policy_allows_plans(plans: Mapping[str, Any] | None) -> bool:
    """A policy's `plans` lets a debtor take a plan: at least one frequency and at least two instalments."""
    if not plans:
        return False
    return bool(plans.get("frequencies")) and int(plans.get("max_instalments", 0)) >= MIN_PLAN_INSTALMENTS


def plan_possible(balances: Iterable[int], plans: Mapping[str, Any] | None) -> bool:
    """The policy allows plans and some balance (minor units, per currency) splits into two instalments of
    at least `min_instalment` each."""
    if not policy_allows_plans(plans):
        return False
    assert plans is not None
    floor = MIN_PLAN_INSTALMENTS * max(int(plans.get("min_instalment", 0)), 1)
    return any(amount >= floor for amount in balances)


def _field(offer: Any, name: str) -> Any:
    return offer.get(name) if isinstance(offer, Mapping) else getattr(offer, name, None)


def settlement_stands(offer: Any, today: date) -> bool:
    """A settlement offer exists, has not been accepted yet and is still valid on `today` (its last day counts)."""
    if offer is None or _field(offer, "accepted_at") is not None:
        return False
    valid_until = _field(offer, "valid_until")
    if isinstance(valid_until, str):
        valid_until = date.fromisoformat(valid_until[:10])
    if isinstance(valid_until, datetime):
        valid_until = valid_until.date()
    return isinstance(valid_until, date) and today <= valid_until


def offers_for(balances: Iterable[int], plans: Mapping[str, Any] | None, settlement_offer: Any, today: date
               ) -> Offers:
    """What an account with these balances, under a policy with these `plans`, can be offered on `today`."""
    return Offers(plan=plan_possible(balances, plans), settlement=settlement_stands(settlement_offer, today))
