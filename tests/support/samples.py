"""Sample bodies shared by tests, shaped exactly as API.md shows them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

ACCOUNT = {
    "name": "Ana García",
    "email": "ana@example.com",
    "phone": "+34600123456",
    "locale": "es-ES",
    "timezone": "Europe/Madrid",
    "country": "ES",
    "region": None,
    "sms_consent": {"source": "signup-form", "at": "2026-01-05T10:00:00Z"},
    "policy": "standard",
    "processor_ids": {"stripe": "cus_Q1w2e3"},
    "tags": ["smb"],
    "invoices": [
        {"id": "INV-1001", "amount": 4900, "currency": "EUR", "issued_on": "2026-11-01",
         "due_on": "2026-11-15", "processor_invoice_id": "in_1Abc", "payment_url": "https://pay.example/1001"}
    ],
}


POLICY = {  # the policy body shown in API.md
    "steps": [
        {"offset_days": -3, "channel": "email", "template": "heads_up"},
        {"offset_days": 1, "channel": "email", "template": "gentle_reminder"},
        {"offset_days": 4, "channel": "sms", "template": "sms_nudge"},
        {"offset_days": 10, "channel": "email", "template": "plan_offer"},
        {"offset_days": 21, "channel": "email", "template": "can_we_help"},
        {"offset_days": 35, "action": "escalate"},
    ],
    "send_window": {"start": "09:00", "end": "19:00", "weekdays": [0, 1, 2, 3, 4, 5]},
    "caps": {"email_per_7d": 3, "sms_per_7d": 2, "per_day": 1},
    "plans": {"max_instalments": 6, "min_instalment": 1000, "frequencies": ["weekly", "fortnightly", "monthly"]},
    "settlement": {"discount_percent": 10, "valid_days": 7},
    "hardship_pause_days": 30,
    "segment": {"min_balance": 0, "tags": [], "countries": []},
}


def account(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(ACCOUNT)
    body.update(changes)
    return body


def stage_environment(stage: str = "local") -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    return {**config.get("environment_variables", {}), **config["stages"][stage]["environment_variables"]}


def assert_finance_event(event: dict, type_: str) -> None:
    """API.md: every finance event carries its type, event_id, tenant_id, account_id and at."""
    assert event["type"] == type_
    for key in ("event_id", "tenant_id", "account_id", "at"):
        assert isinstance(event.get(key), str) and event[key], f"{type_} lacks {key}"
