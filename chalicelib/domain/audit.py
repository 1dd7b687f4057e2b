"""The audit trail: append-only, per account, hash-chained (each event carries the previous event's hash)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from msgspec import Struct, field

from .times import iso

GENESIS_HASH = "0" * 64

SYSTEM = "system"


class AuditEvent(Struct, frozen=True):
    seq: int
    at: datetime
    type: str
    actor: str
    details: dict[str, Any]
    prev_hash: str
    hash: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": iso(self.at),
            "type": self.type,
            "actor": self.actor,
            "details": self.details,
            "hash": self.hash,
            "prev_hash": self.prev_hash,
        }


class UnreadableEvent(Struct, frozen=True):
    """A stored event that no longer reads as one (corrupted or tampered with). It keeps its place in the
    timeline, with whatever could still be read, and breaks the chain there."""

    seq: int | float  # the table's key is a number, but not necessarily a whole one any more
    problem: str  # names what is wrong, never the stored value (it may hold anything)
    readable: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        fields = {name: self.readable.get(name) for name in ("at", "type", "actor", "details", "hash", "prev_hash")}
        return {"seq": self.seq, **fields, "unreadable": self.problem}


StoredEvent = AuditEvent | UnreadableEvent


class ChainHead(Struct, frozen=True):
    seq: int = 0
    hash: str = GENESIS_HASH


class VerifyResult(Struct, frozen=True):
    ok: bool
    first_broken_seq: int | None
    events: int
    problem: str | None = None  # why the chain broke, in words for a person

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "first_broken_seq": self.first_broken_seq, "events": self.events}


def event_hash(
    tenant_id: str, account_id: str, seq: int, at: datetime, type_: str, actor: str,
    details: dict[str, Any], prev_hash: str,
) -> str:
    """SHA-256 over a canonical JSON form, so any change to any field (or the order) breaks the chain."""
    canonical = json.dumps(
        [tenant_id, account_id, seq, iso(at), type_, actor, details, prev_hash],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def chain_event(
    head: ChainHead, tenant_id: str, account_id: str, at: datetime, type_: str, actor: str,
    details: dict[str, Any],
) -> AuditEvent:
    seq = head.seq + 1
    digest = event_hash(tenant_id, account_id, seq, at, type_, actor, details, head.hash)
    return AuditEvent(seq, at, type_, actor, details, head.hash, digest)


def verify_chain(
    tenant_id: str, account_id: str, events: list[StoredEvent], head: ChainHead | None = None
) -> VerifyResult:
    """Recompute every link. A changed event breaks its own hash; a deleted one leaves a gap in seq or a
    prev_hash that no longer matches; a deleted tail no longer reaches the head kept on the account; an
    event that no longer reads breaks the chain where it stands."""
    prev = GENESIS_HASH
    expected_seq = 1
    for event in sorted(events, key=lambda e: e.seq):
        if event.seq != expected_seq:
            return VerifyResult(False, expected_seq, len(events), "missing event")
        if isinstance(event, UnreadableEvent):
            return VerifyResult(False, expected_seq, len(events), f"seq {expected_seq} is unreadable: {event.problem}")
        if event.prev_hash != prev:
            return VerifyResult(False, event.seq, len(events), "prev_hash does not match")
        digest = event_hash(
            tenant_id, account_id, event.seq, event.at, event.type, event.actor, event.details, event.prev_hash
        )
        if digest != event.hash:
            return VerifyResult(False, event.seq, len(events), "hash does not match the content")
        prev = event.hash
        expected_seq += 1
    last = expected_seq - 1
    if head is not None:
        if head.seq > last:
            return VerifyResult(False, last + 1, len(events), "events missing after the last one read")
        if head.seq < last:
            return VerifyResult(False, head.seq + 1, len(events), "events beyond the recorded head")
        if head.hash != prev:
            return VerifyResult(False, last, len(events), "the newest event does not match the recorded head")
    return VerifyResult(True, None, len(events))
