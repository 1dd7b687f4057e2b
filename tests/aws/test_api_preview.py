"""POST /v1/policies/{name}/preview: what a policy would send, when (locally) and what it would withhold."""

from __future__ import annotations

import json

from tests.support.samples import account


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def preview(client, tenant, body, name="standard"):
    return client.http.post(f"/v1/policies/{name}/preview", headers=auth(tenant), body=json.dumps(body))


def test_preview_of_a_stored_account_lists_each_message_at_its_local_time(client, tenant):
    client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account()))
    response = preview(client, tenant, {"account_id": "acct-1", "days": 60, "start": "2026-11-10T00:00:00Z"})
    assert response.status_code == 200, response.body
    messages = json.loads(response.body)["messages"]
    assert [m["template"] for m in messages[:4]] == ["heads_up", "gentle_reminder", "sms_nudge", "plan_offer"]
    assert messages[0]["at"] == "2026-11-12T08:00:00Z" and messages[0]["local_time"] == "2026-11-12T09:00:00+01:00"
    assert all(m["withheld"] is None for m in messages if m.get("action") != "escalate")
    # 6 December is a Sunday (outside the Mon-Sat window): can_we_help moves to a later weekday morning.
    can_we_help = next(m for m in messages if m["template"] == "can_we_help")
    assert can_we_help["deferred_by"] in ("outside_send_window", "public_holiday")
    assert can_we_help["local_time"][11:16] == "09:00" and can_we_help["local_time"] > "2026-12-07"
    assert messages[-1].get("action") == "escalate"
    # Previewing wrote nothing.
    events = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"]
    assert [e["type"] for e in events] == ["account_created"]


def test_preview_of_a_hypothetical_account_shows_what_would_be_withheld(client, tenant):
    body = {"account": account(sms_consent=None), "days": 15, "start": "2026-11-14T00:00:00Z"}
    messages = json.loads(preview(client, tenant, body).body)["messages"]
    sms = next(m for m in messages if m["channel"] == "sms")
    assert sms["withheld"] == "no_sms_consent"


def test_preview_errors_name_the_problem(client, tenant):
    missing_policy = preview(client, tenant, {"account_id": "acct-1"}, name="nope")
    assert missing_policy.status_code == 404
    both = preview(client, tenant, {"account_id": "acct-1", "account": account()})
    assert both.status_code == 400
    unknown_account = preview(client, tenant, {"account_id": "ghost"})
    assert unknown_account.status_code == 404
    too_long = preview(client, tenant, {"account": account(), "days": 5000})
    assert too_long.status_code == 400 and json.loads(too_long.body)["error"]["field"] == "days"


def test_preview_withholds_the_escalation_while_a_dispute_is_open(client, tenant):
    client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account()))
    client.http.post("/v1/accounts/acct-1/flags", headers=auth(tenant),
                     body=json.dumps({"flag": "dispute", "active": True}))
    # From 21 Dec, when the +35 escalation is the step that has come due
    response = preview(client, tenant, {"account_id": "acct-1", "days": 30, "start": "2026-12-21T10:00:00Z"})
    [escalation] = json.loads(response.body)["messages"]
    assert escalation["action"] == "escalate" and escalation["withheld"] == "dispute_open"


def test_preview_shows_a_vulnerable_debtor_going_to_a_person(client, tenant):
    client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account()))
    client.http.post("/v1/accounts/acct-1/flags", headers=auth(tenant),
                     body=json.dumps({"flag": "vulnerable", "active": True}))
    response = preview(client, tenant, {"account_id": "acct-1", "days": 60, "start": "2026-11-10T00:00:00Z"})
    [handoff] = json.loads(response.body)["messages"]
    assert handoff["action"] == "escalate" and handoff["reason"] == "vulnerable" and handoff["channel"] is None
