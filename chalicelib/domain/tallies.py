"""Running counts kept on each account as its audit events are recorded, so a tenant's figures are a sum over
its accounts (one item each) rather than a read of every audit event ever written."""

from __future__ import annotations

from typing import Any

from .payments import KINDS as PAYMENT_KINDS
from .policies import PLAN_OFFER_TEMPLATES

# A plan's life as its audit events tell it: tallied as plans:<what>.
PLAN_EVENTS = {"plan_created": "started", "plan_completed": "completed", "plan_broken": "broken",
               "plan_cancelled": "cancelled"}


def tally_keys(event_type: str, details: dict[str, Any]) -> list[str]:
    """What one audit event adds to the figures: sent per channel, withheld and deferred per rule, escalations,
    flags raised (disputes, hardship...), payment events per kind, plans offered (a plan offer sent), started,
    completed, broken and cancelled, accounts settled for less, and hard bounces and complaints."""
    if event_type == "message_sent":
        offered = ["plans:offered"] if details.get("template") in PLAN_OFFER_TEMPLATES else []
        return [f"sent:{details.get('channel') or 'email'}", *offered]
    if event_type in PLAN_EVENTS:
        return [f"plans:{PLAN_EVENTS[event_type]}"]
    if event_type == "settled_for_less":
        return ["settled_for_less"]
    if event_type in ("message_withheld", "message_deferred") and details.get("rule"):
        return [f"{event_type.removeprefix('message_')}:{details['rule']}"]
    if event_type == "escalated":
        return ["escalated"]
    if event_type == "flag_set" and details.get("flag"):
        return [f"flag:{details['flag']}"]
    if event_type == "dispute_opened":  # a dispute of one invoice (disputes.py)
        return ["flag:dispute"]
    if event_type in ("email_bounced", "email_complained"):  # deliverability rates (figures)
        return [event_type]
    if event_type in PAYMENT_KINDS:
        return [event_type]
    return []


def add_tallies(tallies: dict[str, int], keys: list[str]) -> dict[str, int]:
    return {**tallies, **{key: tallies.get(key, 0) + keys.count(key) for key in set(keys)}}
