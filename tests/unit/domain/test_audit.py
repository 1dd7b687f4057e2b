"""The audit trail is hash-chained: any change, deletion, reordering or forgery is found, at its seq
(SPEC principle 4, capability 9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from msgspec.structs import replace

from chalicelib.domain.accounts import Account
from chalicelib.domain.audit import (
    GENESIS_HASH,
    AuditEvent,
    ChainHead,
    UnreadableEvent,
    chain_event,
    event_hash,
    verify_chain,
)

pytestmark = pytest.mark.unit

TENANT = "t1"
ACCOUNT = "acc-1"
T0 = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)


# --- builders ----------------------------------------------------------------------------------

def chain(n: int = 5) -> tuple[list[AuditEvent], ChainHead]:
    """n events chained from the genesis head, and the head the account would keep after them."""
    head = ChainHead()
    events = []
    for i in range(n):
        event = chain_event(head, TENANT, ACCOUNT, T0 + timedelta(hours=i), f"type_{i}", "system",
                            {"step": i, "note": f"event {i}"})
        events.append(event)
        head = ChainHead(event.seq, event.hash)
    return events, head


def verify(events: list[AuditEvent], head: ChainHead | None = None):
    return verify_chain(TENANT, ACCOUNT, events, head)


def forge(event: AuditEvent, prev_hash: str, **changes) -> AuditEvent:
    """A forged event whose own hash is recomputed correctly over its (changed) content and prev_hash."""
    fake = replace(event, prev_hash=prev_hash, **changes)
    digest = event_hash(TENANT, ACCOUNT, fake.seq, fake.at, fake.type, fake.actor, fake.details, prev_hash)
    return replace(fake, hash=digest)


# --- an intact chain ---------------------------------------------------------------------------

def test_five_chained_events_verify():
    events, head = chain(5)
    result = verify(events, head)
    assert (result.ok, result.first_broken_seq, result.events) == (True, None, 5)


def test_events_are_numbered_from_one_and_link_to_the_previous_hash():
    events, _ = chain(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash


def test_the_order_events_are_read_in_does_not_matter():
    events, head = chain(5)
    assert verify(list(reversed(events)), head).ok


def test_empty_chain_with_the_default_head_is_ok():
    result = verify([], ChainHead())
    assert (result.ok, result.first_broken_seq, result.events) == (True, None, 0)


def test_empty_chain_when_the_head_says_events_exist_is_broken_at_one():
    _, head = chain(3)
    result = verify([], head)
    assert (result.ok, result.first_broken_seq) == (False, 1)


# --- tampering ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "change",
    [
        {"details": {"step": 99, "note": "rewritten"}},
        {"type": "message_sent"},
        {"actor": "api_key:k1"},
        {"at": T0 + timedelta(days=30)},
    ],
    ids=["details", "type", "actor", "at"],
)
@pytest.mark.parametrize("position", [0, 2, 4])
def test_changing_any_field_of_any_event_breaks_the_chain_at_that_seq(change, position):
    # Given an intact chain of 5, When one field of one event is edited in storage
    events, head = chain(5)
    events[position] = replace(events[position], **change)
    # Then verification fails at that event's seq
    result = verify(events, head)
    assert (result.ok, result.first_broken_seq) == (False, position + 1)


def test_a_change_inside_nested_details_is_caught():
    events, head = chain(5)
    events[1] = replace(events[1], details={**events[1].details, "note": "event 1 "})
    assert verify(events, head).first_broken_seq == 2


def test_events_moved_to_another_account_do_not_verify_there():
    events, _ = chain(3)
    result = verify_chain(TENANT, "acc-2", events)
    assert (result.ok, result.first_broken_seq) == (False, 1)


# --- deletion ----------------------------------------------------------------------------------

def test_deleting_a_middle_event_is_reported_at_its_seq():
    events, head = chain(5)
    del events[2]  # seq 3
    result = verify(events, head)
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_an_event_that_no_longer_reads_breaks_the_chain_at_its_seq():
    events, head = chain(5)
    events[2] = UnreadableEvent(3, "details are not JSON", {"type": "type_2"})
    result = verify(events, head)
    assert (result.ok, result.first_broken_seq, result.events) == (False, 3, 5)
    assert result.problem == "seq 3 is unreadable: details are not JSON"


def test_an_event_moved_to_a_seq_that_is_not_a_whole_number_is_a_gap_at_its_old_seq():
    events, head = chain(3)
    events[1] = UnreadableEvent(1.5, "seq is not a whole number")
    result = verify(events, head)
    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_an_unreadable_event_keeps_its_place_in_the_timeline_without_echoing_the_stored_value():
    shown = UnreadableEvent(2, "at is not an ISO 8601 instant with an offset", {"type": "flag_set"}).to_dict()
    assert shown == {"seq": 2, "at": None, "type": "flag_set", "actor": None, "details": None, "hash": None,
                     "prev_hash": None, "unreadable": "at is not an ISO 8601 instant with an offset"}


def test_deleting_the_first_event_is_reported_at_seq_one():
    events, head = chain(5)
    result = verify(events[1:], head)
    assert (result.ok, result.first_broken_seq) == (False, 1)


def test_deleting_the_last_event_is_invisible_without_the_head():
    events, _ = chain(5)
    assert verify(events[:-1]).ok


def test_deleting_the_last_event_is_caught_when_the_head_is_given():
    events, head = chain(5)
    result = verify(events[:-1], head)
    assert (result.ok, result.first_broken_seq) == (False, 5)


# --- reordering and forgery ------------------------------------------------------------------------

def test_swapping_two_events_positions_breaks_at_the_first_of_them():
    # Given events 2 and 3 exchange their place in the chain (their seq numbers swapped)
    events, head = chain(5)
    second, third = events[1], events[2]
    events[1], events[2] = replace(third, seq=2), replace(second, seq=3)
    result = verify(events, head)
    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_a_forged_event_with_its_own_hash_recomputed_but_a_wrong_prev_hash_is_caught():
    events, head = chain(5)
    events[2] = forge(events[2], prev_hash="f" * 64, details={"step": 2, "note": "nothing was sent"})
    result = verify(events, head)
    assert (result.ok, result.first_broken_seq) == (False, 3)


def test_a_forged_event_with_the_right_prev_hash_breaks_the_link_to_the_next_event():
    # Given an attacker rewrites event 3 and recomputes its hash over the true prev_hash
    events, head = chain(5)
    events[2] = forge(events[2], prev_hash=events[1].hash, details={"step": 2, "note": "nothing was sent"})
    # Then event 3 looks self-consistent, but event 4 no longer points at it
    result = verify(events, head)
    assert (result.ok, result.first_broken_seq) == (False, 4)


def test_a_forged_last_event_is_caught_by_the_head_at_its_own_seq():
    # Given the last event is rewritten with a self-consistent hash (nothing after it to break)
    events, head = chain(5)
    events[4] = forge(events[4], prev_hash=events[3].hash, type="payment_applied")
    # Then the head's hash for seq 5 no longer matches: seq 5 is the first broken link
    result = verify(events, head)
    assert (result.ok, result.first_broken_seq) == (False, 5)


def test_an_appended_event_not_reflected_in_the_head_is_caught():
    events, head = chain(5)
    extra = chain_event(head, TENANT, ACCOUNT, T0 + timedelta(days=1), "injected", "system", {})
    # Then the first event beyond the head the account keeps is the broken one
    result = verify([*events, extra], head)
    assert (result.ok, result.first_broken_seq) == (False, 6)


# --- Account.record --------------------------------------------------------------------------------

def test_account_record_advances_the_head_and_queues_the_events():
    # Given a fresh account
    acct = Account(tenant_id=TENANT, account_id=ACCOUNT, name="Ana", locale="es-ES", policy="standard",
                   timezone="Europe/Madrid")
    assert acct.audit_head == ChainHead()
    # When two events are recorded
    first = acct.record(T0, "account_created", "api_key:k1", {"invoices": 1})
    second = acct.record(T0 + timedelta(minutes=5), "message_sent", "system", {"step": "-3:email:heads_up"})
    # Then the head points at the last one and both wait to be written, chained in order
    assert acct.audit_head == ChainHead(2, second.hash)
    assert acct.pending_events == [first, second]
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert verify(acct.pending_events, acct.audit_head).ok


def test_account_record_continues_an_existing_chain():
    events, head = chain(3)
    acct = Account(tenant_id=TENANT, account_id=ACCOUNT, name="Ana", locale="es-ES", policy="standard",
                   timezone="Europe/Madrid", audit_head=head)
    fourth = acct.record(T0 + timedelta(days=1), "flag_set", "portal", {"flag": "hardship"})
    assert (fourth.seq, fourth.prev_hash) == (4, head.hash)
    assert verify([*events, fourth], acct.audit_head).ok
