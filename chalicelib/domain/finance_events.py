"""What Kindly tells a tenant's finance team (API.md, "Events Kindly emits"): ids, amounts and codes, never a
name, an address or a link."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from .times import iso


def finance_event(type_: str, tenant_id: str, account_id: str, at: datetime, *, about: str, **details: Any
                  ) -> dict[str, Any]:
    """One finance event. `about` names what it reports (a message id, an audit seq): a retry that tells finance
    again carries the same `event_id`, so a subscriber can drop the repeat (delivery is at least once)."""
    digest = hashlib.sha256("|".join((tenant_id, account_id, type_, about)).encode()).hexdigest()
    return {"type": type_, "event_id": f"fe_{digest[:32]}", "tenant_id": tenant_id, "account_id": account_id,
            "at": iso(at), **details}
