"""Segments over the API: a policy's segment with a priority picks it for accounts that name no policy; the
account and the preview say which policy applies and why."""

from __future__ import annotations

import copy
import json

from tests.support.samples import POLICY, account

BIG = [{"id": "INV-9", "amount": 150000, "currency": "EUR", "issued_on": "2026-11-01", "due_on": "2026-11-15"}]


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def put_policy(client, tenant, name, segment):
    body = {**copy.deepcopy(POLICY), "segment": segment}
    return client.http.put(f"/v1/policies/{name}", headers=auth(tenant), body=json.dumps(body))


def put_account(client, tenant, account_id, **changes):
    return client.http.put(f"/v1/accounts/{account_id}", headers=auth(tenant), body=json.dumps(account(**changes)))


def test_an_account_without_a_policy_shows_the_segment_that_chose_its_policy(client, tenant):
    stored = put_policy(client, tenant, "vip", {"priority": 1, "min_balance": 100000, "tags": ["enterprise"]})
    assert stored.status_code == 200
    assert json.loads(stored.body)["segment"]["priority"] == 1
    body = account(tags=["enterprise"], invoices=BIG)
    del body["policy"]
    created = client.http.put("/v1/accounts/acct-vip", headers=auth(tenant), body=json.dumps(body))
    assert created.status_code == 201
    assert json.loads(created.body)["policy"] is None

    shown = json.loads(client.http.get("/v1/accounts/acct-vip", headers=auth(tenant)).body)
    assert shown["policy_applied"] == {"name": "vip",
                                       "why": "segment of policy 'vip': balance >= 100000, tag 'enterprise'"}
    named = json.loads(put_account(client, tenant, "acct-named", tags=["enterprise"], invoices=BIG).body)
    assert named["policy_applied"] == {"name": "standard", "why": "named on the account"}

    previewed = client.http.post("/v1/policies/standard/preview", headers=auth(tenant),
                                 body=json.dumps({"account_id": "acct-vip", "days": 5}))
    assert json.loads(previewed.body)["policy_applied"]["name"] == "vip"


def test_a_segment_whose_range_is_empty_is_refused_and_nothing_is_stored(client, tenant):
    refused = put_policy(client, tenant, "odd", {"priority": 1, "min_balance": 5000, "max_balance": 5000})
    assert refused.status_code == 400
    assert "max_balance" in json.loads(refused.body)["error"]["field"]
    assert client.http.get("/v1/policies/odd", headers=auth(tenant)).status_code == 404
