"""PUT/GET /v1/policies: validation with reasons, a new version per PUT, the built-in `standard`."""

from __future__ import annotations

import copy
import json

import pytest

from tests.support.samples import POLICY as API_POLICY


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def put_policy(client, tenant, name, body):
    return client.http.put(f"/v1/policies/{name}", headers=auth(tenant), body=json.dumps(body))


def test_a_new_tenant_has_the_built_in_standard_policy(client, tenant):
    response = client.http.get("/v1/policies/standard", headers=auth(tenant))
    assert response.status_code == 200
    policy = json.loads(response.body)
    assert policy["version"] == 0 and policy["steps"][0] == {"offset_days": -3, "channel": "email",
                                                             "template": "heads_up"}
    assert policy["steps"][-1] == {"offset_days": 35, "action": "escalate"}


def test_each_put_makes_a_new_version_and_get_returns_the_latest(client, tenant):
    first = put_policy(client, tenant, "gentle", API_POLICY)
    assert first.status_code == 200, first.body
    assert json.loads(first.body)["version"] == 1
    changed = copy.deepcopy(API_POLICY)
    changed["caps"]["per_day"] = 1
    changed["send_window"]["start"] = "10:00"
    second = json.loads(put_policy(client, tenant, "gentle", changed).body)
    assert second["version"] == 2
    latest = json.loads(client.http.get("/v1/policies/gentle", headers=auth(tenant)).body)
    assert latest["version"] == 2 and latest["send_window"]["start"] == "10:00"


def _with(path, value):
    body = copy.deepcopy(API_POLICY)
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


BAD_POLICIES = [
    ("unknown template", _with(["steps", 1, "template"], "pay_or_else"), "steps[1].template"),
    ("unknown field", _with(["tone"], "stern"), "tone"),
    ("raised cap", _with(["caps", "email_per_7d"], 10), "caps.email_per_7d"),
    ("window backwards", _with(["send_window", "start"], "20:00"), "send_window"),
    ("window at night", _with(["send_window"], {"start": "22:00", "end": "23:30", "weekdays": [0]}), "send_window"),
    ("bad time", _with(["send_window", "end"], "7pm"), "send_window.end"),
    ("steps out of order", _with(["steps"], list(reversed(API_POLICY["steps"]))), "steps"),
    ("no steps", _with(["steps"], []), "steps"),
    ("step both kinds", _with(["steps", 0, "action"], "escalate"), "steps[0]"),
    ("offset as text", _with(["steps", 0, "offset_days"], "-3"), "steps[0].offset_days"),
    ("hardship too long", _with(["hardship_pause_days"], 400), "hardship_pause_days"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_POLICIES, ids=[c for c, _, _ in BAD_POLICIES])
def test_an_invalid_policy_is_refused_with_the_reason_and_nothing_stored(client, tenant, case, body, field):
    response = put_policy(client, tenant, "mine", body)
    assert response.status_code == 400, response.body
    error = json.loads(response.body)["error"]
    assert error["field"] == field and error["message"]
    assert client.http.get("/v1/policies/mine", headers=auth(tenant)).status_code == 404


def test_policies_are_private_to_their_tenant(client, tenant, other_tenant):
    put_policy(client, tenant, "secret-sauce", API_POLICY)
    assert client.http.get("/v1/policies/secret-sauce", headers=auth(other_tenant)).status_code == 404


def test_an_account_can_use_a_stored_policy_and_its_schedule_follows_it(client, tenant):
    late_start = _with(["steps"], [{"offset_days": 2, "channel": "email", "template": "gentle_reminder"}])
    put_policy(client, tenant, "late-start", late_start)
    from tests.support.samples import account

    response = client.http.put("/v1/accounts/a1", headers=auth(tenant),
                               body=json.dumps(account(policy="late-start")))
    assert json.loads(response.body)["next_action_at"] == "2026-11-17T08:00:00Z"  # due 15th + 2 days, 09:00 Madrid


def test_editing_a_policy_mid_cycle_neither_skips_nor_repeats_a_step(client, aws, tenant):
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.bootstrap import Container
    from chalicelib.in_process_sweep import run_sweep
    from tests.aws.conftest import sent_emails
    from tests.support.samples import account

    def sweep(text):
        from datetime import datetime

        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return run_sweep(Container(aws.settings, clock=FixedClock(instant)), instant)

    steps = [{"offset_days": -3, "channel": "email", "template": "heads_up"},
             {"offset_days": 1, "channel": "email", "template": "gentle_reminder"},
             {"offset_days": 10, "channel": "email", "template": "plan_offer"}]
    put_policy(client, tenant, "house", _with(["steps"], steps))
    client.http.put("/v1/accounts/a1", headers=auth(tenant), body=json.dumps(account(policy="house")))
    # Given the heads-up went out on 12 Nov (invoice due 15 Nov)
    assert sweep("2026-11-12T09:00:00Z")["sent"] == 1
    # When finance drops the heads-up from the policy
    assert put_policy(client, tenant, "house", _with(["steps"], steps[1:])).status_code == 200
    # Then the +1 gentle reminder still goes out on 16 Nov, and nothing is sent twice
    assert sweep("2026-11-16T09:00:00Z")["sent"] == 1
    raw = [m.raw_data for m in sent_emails()]
    assert len(raw) == 2
    timeline = json.loads(client.http.get("/v1/accounts/a1/timeline", headers=auth(tenant)).body)["events"]
    assert [e["details"]["template"] for e in timeline if e["type"] == "message_sent"] == [
        "heads_up", "gentle_reminder"]
