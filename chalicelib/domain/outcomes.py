"""What the worker did with one due account, for its log line, the sweep's counts and the local stack's output."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct


class Outcome(Struct, frozen=True):
    kind: str  # sent | withheld | deferred | escalated | failed | skipped
    reason: str | None = None
    channel: str | None = None
    template: str | None = None
    until: datetime | None = None
    message_id: str | None = None
