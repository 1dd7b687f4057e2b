"""An account whose opens cluster in the evening gets its next email then: the preview says so and why, the
worker waits for that hour (audited with the reason) and sends at it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.engagement import Signal
from tests.aws.conftest import sent_emails
from tests.aws.test_first_reminder import auth, sweep
from tests.support.samples import account

MADRID = ZoneInfo("Europe/Madrid")
WHY = "sent at 18:40 local: the last 3 opens were 18:40–19:20"


def evening_reader(client, aws, tenant):
    """Ana (Madrid, due 15 Nov) opened our last three emails in the evening, as SES's open events recorded."""
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    stored = aws.account_repository.get(tenant["tenant_id"], "acct-1")
    stored.engagement = [Signal(datetime(2026, 11, day, hour, minute, tzinfo=MADRID).astimezone(UTC), "opened")
                         for day, hour, minute in ((3, 18, 40), (6, 19, 20), (10, 19, 5))]
    aws.account_repository.save(stored)


def timeline(client, tenant):
    return json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"]


def test_the_preview_says_the_heads_up_waits_for_the_evening_and_why(client, aws, tenant):
    evening_reader(client, aws, tenant)
    body = {"account_id": "acct-1", "days": 5, "start": "2026-11-10T00:00:00Z"}
    answer = client.http.post("/v1/policies/standard/preview", headers=auth(tenant), body=json.dumps(body))
    heads_up = json.loads(answer.body)["messages"][0]
    assert heads_up["template"] == "heads_up"
    assert heads_up["local_time"] == "2026-11-12T18:40:00+01:00"
    assert (heads_up["deferred_by"], heads_up["timing"]) == ("engagement_timing", WHY)


def test_the_worker_waits_for_the_reading_hour_and_sends_then(client, aws, tenant):
    evening_reader(client, aws, tenant)
    morning = sweep(aws, "2026-11-12T08:00:00Z")
    assert morning.get("sent", 0) == 0 and sent_emails() == []
    deferred = next(e for e in timeline(client, tenant) if e["type"] == "message_deferred")
    assert deferred["details"]["rule"] == "engagement_timing" and deferred["details"]["timing"] == WHY
    assert deferred["details"]["local_until"] == "2026-11-12T18:40:00+01:00"

    assert sweep(aws, "2026-11-12T17:40:00Z")["sent"] == 1
    assert len(sent_emails()) == 1
    sent = next(e for e in timeline(client, tenant) if e["type"] == "message_sent")
    assert sent["at"] == "2026-11-12T17:40:00Z" and sent["details"]["timing"] == WHY
