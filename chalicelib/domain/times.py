"""How Kindly writes an instant: one form everywhere (audit events, the outbox, API answers, finance events)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(instant: datetime) -> str:
    """An instant as UTC ISO 8601 with a Z, the one form Kindly writes."""
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
