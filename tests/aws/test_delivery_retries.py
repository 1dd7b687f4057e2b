"""A send that keeps failing for a passing reason (throttling, a network error) is tried again after longer and
longer waits, through the courtesy guard each time, and given up after a fixed number of tries: recorded as
failed once, told to finance once as a delivery_problem, and the schedule moves on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from chalicelib.domain.errors import Throttled
from chalicelib.domain.messages import MAX_SEND_ATTEMPTS
from chalicelib.in_process_sweep import run_sweep
from tests.aws.conftest import sent_emails
from tests.aws.test_reminder_worker import at, finance_inbox, instant, timeline, upsert
from tests.aws.test_webhooks import post, set_secret, stripe_paid
from tests.support import webhooks as wh
from tests.support.samples import assert_finance_event


def sweep_until_quiet(aws, tenant, start: str, send, rounds: int = 12) -> list:
    """Sweep at `start`, then each time the account next comes due, while SES fails as `send` says. Returns the
    instants swept at."""
    when, swept = instant(start), []
    for _ in range(rounds):
        app = at(aws, when.isoformat())
        with mock.patch.object(type(app.email), "send", side_effect=send) as ses:
            run_sweep(app, when)
        swept.append((when, ses.call_count))
        stored = aws.accounts.get(tenant["tenant_id"], "acct-1")
        if stored.next_action_at is None or stored.next_action_at - when > timedelta(days=2):
            break
        when = max(stored.next_action_at, when + timedelta(minutes=1))
    return swept


def test_a_send_that_keeps_being_throttled_backs_off_then_fails_once_and_tells_finance(aws, tenant):
    # Given an overdue account, and SES throttling every try
    upsert(aws, tenant)
    received = finance_inbox(aws)
    # When the sweep keeps coming back whenever the account is due again
    swept = sweep_until_quiet(aws, tenant, "2026-12-01T09:00:00Z", Throttled("slow down"))
    # Then SES was tried exactly MAX_SEND_ATTEMPTS times, never outside the policy's hours (09:00-19:00 in Madrid):
    # the 360-minute wait ends at 19:20 local, so the guard held the last try until the next morning
    assert sum(calls for _, calls in swept) == MAX_SEND_ATTEMPTS
    tried_at = [when.astimezone(ZoneInfo("Europe/Madrid")) for when, calls in swept if calls]
    assert all(9 <= local.hour < 19 for local in tried_at) and tried_at[-1].day == 2
    assert "outside_send_window" in [e.details.get("rule") for e in timeline(aws, tenant)]
    events = timeline(aws, tenant)
    delayed = [e for e in events if e.type == "message_delayed"]
    assert [e.details["attempt"] for e in delayed] == [1, 2, 3, 4, 5]
    waits = [instant(e.details["next_action_at"]) - e.at for e in delayed]
    assert [w // timedelta(minutes=1) for w in waits] == [5, 15, 45, 135, 360]
    # And it is given up once: one message_failed with the reason, one delivery_problem to finance
    [failed] = [e for e in events if e.type == "message_failed"]
    assert failed.details["reason"] == "retries_exhausted" and failed.details["last_error"] == "provider_throttled"
    assert failed.details["attempt"] == MAX_SEND_ATTEMPTS and failed.details["finance_told"] is True
    [notice] = received()
    assert (notice["type"], notice["problem"], notice["channel"]) == ("delivery_problem", "failed", "email")
    assert_finance_event(notice, "delivery_problem")
    assert notice["account_id"] == "acct-1" and notice["message_id"] == failed.details["message_id"]
    assert "ana" not in json.dumps(notice).lower()
    # And the step is spent: the account waits for its next step, and SES stays untried meanwhile
    stored = aws.accounts.get(tenant["tenant_id"], "acct-1")
    assert stored.last_step_key == failed.details["step"] and stored.next_action_at > instant("2026-12-03T00:00:00Z")
    assert sent_emails() == []


def test_a_send_that_recovers_before_the_cap_goes_out_once(aws, tenant):
    upsert(aws, tenant)
    tries = iter([Throttled("slow down"), RuntimeError("connection reset"), None])

    def flaky(**_kwargs):
        failure = next(tries)
        if failure is not None:
            raise failure
        return "ses-id-1"

    swept = sweep_until_quiet(aws, tenant, "2026-12-01T09:00:00Z", flaky)
    assert sum(calls for _, calls in swept) == 3
    events = timeline(aws, tenant)
    assert [(e.type, e.details.get("attempt")) for e in events if e.type.startswith("message_")] == [
        ("message_delayed", 1), ("message_delayed", 2), ("message_sent", None)]
    assert [e.details["reason"] for e in events if e.type == "message_delayed"] == [
        "provider_throttled", "provider_error"]


def test_a_thank_you_that_keeps_failing_is_given_up_once(client, aws, tenant):
    # Given a paid account with a thank-you pending, and SES failing every try
    upsert(aws, tenant)
    set_secret(client, tenant, "stripe", wh.STRIPE_SECRET)
    payload = stripe_paid()
    assert post(client, tenant["tenant_id"], "stripe", payload, wh.stripe_headers(payload)).status_code == 200
    received = finance_inbox(aws)
    # When the sweep keeps coming back, from the morning after the payment (the processor dates it by the real clock)
    morning = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    swept = sweep_until_quiet(aws, tenant, morning.isoformat(), RuntimeError("connection reset"))
    # Then the thank-you was tried MAX_SEND_ATTEMPTS times with growing waits, then recorded failed once
    assert sum(calls for _, calls in swept) == MAX_SEND_ATTEMPTS
    events = timeline(aws, tenant)
    assert [e.details["attempt"] for e in events if e.type == "message_delayed"] == [1, 2, 3, 4, 5]
    [failed] = [e for e in events if e.type == "message_failed"]
    assert failed.details["template"] == "thank_you" and failed.details["reason"] == "retries_exhausted"
    [notice] = received()
    assert (notice["type"], notice["problem"]) == ("delivery_problem", "failed")
    stored = aws.accounts.get(tenant["tenant_id"], "acct-1")
    assert stored.pending_thanks is None and stored.next_action_at is None


def test_a_refused_send_is_failed_at_once_and_finance_told_once(aws, tenant):
    from chalicelib.domain.errors import PermanentSendError

    upsert(aws, tenant)
    received = finance_inbox(aws)
    swept = sweep_until_quiet(aws, tenant, "2026-12-01T09:00:00Z", PermanentSendError("MessageRejected"))
    assert sum(calls for _, calls in swept) == 1
    [failed] = [e for e in timeline(aws, tenant) if e.type == "message_failed"]
    assert failed.details["reason"] == "MessageRejected" and failed.details["finance_told"] is True
    [notice] = received()
    assert (notice["type"], notice["problem"], notice["reason"]) == ("delivery_problem", "failed", "MessageRejected")
