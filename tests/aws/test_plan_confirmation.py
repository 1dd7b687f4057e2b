"""A plan agreed over the API reaches the debtor: the next sweep sends `plan_confirmed` once, with every date and
amount in the email and the same dates as an .ics attachment for the debtor's calendar (issue 9)."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime, timedelta

from icalendar import Calendar

from chalicelib.adapters.clock import FixedClock
from chalicelib.bootstrap import Container
from chalicelib.in_process_sweep import run_sweep
from tests.aws.conftest import sent_emails
from tests.aws.test_api_plans import PLAN, call
from tests.aws.test_webhooks import timeline_types
from tests.support.samples import account


def sweep_until_sent(aws, tenant, rounds: int = 4) -> None:
    """Sweep whenever the account is next due (the courtesy guard may hold the message for a decent hour)."""
    when = datetime.now(UTC) + timedelta(minutes=1)
    for _ in range(rounds):
        run_sweep(Container(aws.settings, clock=FixedClock(when)), when, tenant["tenant_id"])
        if sent_emails():
            return
        stored = aws.accounts.get(tenant["tenant_id"], "acct-1")
        assert stored.next_action_at is not None, "the plan's confirmation was never scheduled"
        when = max(stored.next_action_at, when + timedelta(minutes=1))


def test_a_plan_made_over_the_api_is_confirmed_once_with_its_dates_as_a_calendar(client, aws, tenant):
    assert call(client, "put", "/v1/accounts/acct-1", tenant, account()).status_code == 201
    created = call(client, "put", "/v1/accounts/acct-1/plan", tenant, PLAN)
    assert created.status_code == 201, created.body
    plan = json.loads(created.body)

    sweep_until_sent(aws, tenant)
    again = datetime.now(UTC) + timedelta(days=1, hours=1)
    run_sweep(Container(aws.settings, clock=FixedClock(again)), again, tenant["tenant_id"])

    confirmations = [m for m in sent_emails() if "payment-plan.ics" in str(m.raw_data)]
    assert len(confirmations) == 1, [str(m.raw_data)[:200] for m in sent_emails()]
    raw = confirmations[0].raw_data
    message = email.message_from_bytes(raw.encode() if isinstance(raw, str) else raw, policy=email.policy.default)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    events = Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    due_dates = sorted(event.decoded("DTSTART").isoformat() for event in events)
    assert due_dates == [i["due_on"] for i in plan["instalments"]]
    types = timeline_types(client, tenant)
    assert types.count("plan_created") == 1 and types.count("message_sent") == 1
