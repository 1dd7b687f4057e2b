"""`region` through the API: ES-MD and MD are the same region, stored once as MD, and the schedule keeps
Madrid's own public holidays."""

from __future__ import annotations

import json

import pytest

from tests.aws.test_first_reminder import auth
from tests.support.samples import account

# Due 5 May 2026: the -3 day heads-up falls on Saturday 2 May, Madrid's regional holiday (a send day otherwise).
MADRID = {"country": "ES", "timezone": "Europe/Madrid",
          "invoices": [{**account()["invoices"][0], "issued_on": "2026-04-01", "due_on": "2026-05-05"}]}


def heads_up(client, tenant, region):
    body = {"account": account(**MADRID, region=region), "days": 5, "start": "2026-05-01T00:00:00Z"}
    answer = client.http.post("/v1/policies/standard/preview", headers=auth(tenant), body=json.dumps(body))
    assert answer.status_code == 200, answer.body
    return next(m for m in json.loads(answer.body)["messages"] if m["template"] == "heads_up")


@pytest.mark.parametrize("region", ["ES-MD", "MD"])
def test_both_forms_defer_the_heads_up_past_madrids_holiday(client, tenant, region):
    message = heads_up(client, tenant, region)
    assert message["deferred_by"] == "public_holiday"
    assert message["local_time"].startswith("2026-05-04T09:00")  # Sunday is outside the window too


def test_without_the_region_the_heads_up_goes_on_the_day(client, tenant):
    message = heads_up(client, tenant, None)
    assert message["deferred_by"] is None and message["local_time"].startswith("2026-05-02T09:00")


def test_either_form_is_stored_as_md_and_switching_forms_changes_nothing(client, tenant):
    first = client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account(region="ES-MD")))
    assert first.status_code == 201 and json.loads(first.body)["region"] == "MD"
    again = client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account(region="MD")))
    assert again.status_code == 200
    events = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"]
    assert [event["type"] for event in events] == ["account_created"]


def test_another_countrys_subdivision_is_a_400_naming_region_and_writes_nothing(client, tenant):
    answer = client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account(region="FR-IDF")))
    assert answer.status_code == 400
    assert json.loads(answer.body)["error"]["field"] == "region"
    assert client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).status_code == 404
