"""PUT /v1/policies: a policy that allows no payment plan may not schedule the plan_offer step, and the plan and
settlement messages, which follow a plan or an offer, are not steps a policy can schedule."""

from __future__ import annotations

import copy
import json

import pytest

from tests.support.samples import POLICY as API_POLICY

pytestmark = pytest.mark.aws


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def put_policy(client, tenant, name, body):
    return client.http.put(f"/v1/policies/{name}", headers=auth(tenant), body=json.dumps(body))


def with_plans(**plans):
    body = copy.deepcopy(API_POLICY)
    body["plans"] = {**body["plans"], **plans}
    return body


PLAN_OFFER_STEP = next(i for i, s in enumerate(API_POLICY["steps"]) if s.get("template") == "plan_offer")


@pytest.mark.parametrize("plans", [{"frequencies": []}, {"max_instalments": 1}], ids=["no frequency", "one instalment"])
def test_plan_offer_is_refused_when_the_policy_allows_no_plan(client, tenant, plans):
    response = put_policy(client, tenant, "no-plans", with_plans(**plans))
    assert response.status_code == 400, response.body
    error = json.loads(response.body)["error"]
    assert error["field"] == f"steps[{PLAN_OFFER_STEP}].template"
    assert "plan_offer" in error["message"]
    assert client.http.get("/v1/policies/no-plans", headers=auth(tenant)).status_code == 404


def test_a_policy_without_plans_is_fine_when_it_offers_none(client, tenant):
    body = with_plans(frequencies=[])
    body["steps"] = [s for s in body["steps"] if s.get("template") != "plan_offer"]
    assert put_policy(client, tenant, "no-plans", body).status_code == 200


@pytest.mark.parametrize("template", ["plan_confirmed", "settlement_offer"])
def test_plan_and_settlement_messages_are_not_schedule_steps(client, tenant, template):
    body = copy.deepcopy(API_POLICY)
    body["steps"][1]["template"] = template
    response = put_policy(client, tenant, "odd", body)
    assert response.status_code == 400 and json.loads(response.body)["error"]["field"] == "steps[1].template"
