"""Days the tenant excludes, through the API and DynamoDB: a reminder due on one goes out the next open day,
and the audit cites the tenant's setting."""

from __future__ import annotations

import json

from tests.aws.conftest import sent_emails
from tests.aws.test_first_reminder import auth, sweep
from tests.support.samples import account


def set_days(client, tenant, days):
    return client.http.put("/v1/tenant/excluded-days", headers=auth(tenant), body=json.dumps({"excluded_days": days}))


def test_a_reminder_due_on_an_excluded_day_goes_out_the_next_open_day(client, aws, tenant, other_tenant):
    stored = set_days(client, tenant, ["2026-12-02", "2026-12-01"])
    assert stored.status_code == 200
    assert json.loads(stored.body) == {"excluded_days": ["2026-12-01", "2026-12-02"]}
    shown = client.http.get("/v1/tenant/excluded-days", headers=auth(tenant))
    assert json.loads(shown.body) == {"excluded_days": ["2026-12-01", "2026-12-02"]}
    assert json.loads(client.http.get("/v1/tenant/excluded-days", headers=auth(other_tenant)).body) == {
        "excluded_days": []}  # one tenant's closure is nobody else's
    client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account()))

    closed = sweep(aws, "2026-12-01T09:00:00Z")  # 10:00 in Madrid on an excluded day

    assert closed["sent"] == 0 and closed["deferred"] == 1 and sent_emails() == []
    deferral = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"][-1]
    assert deferral["type"] == "message_deferred"
    assert (deferral["details"]["rule"], deferral["details"]["tenant_setting"]) == ("tenant_closed", "excluded_days")
    assert deferral["details"]["local_until"].startswith("2026-12-03T09:00:00+01:00")  # past both days

    assert sweep(aws, "2026-12-02T09:00:00Z")["sent"] == 0  # not due yet: still closed
    opened = sweep(aws, "2026-12-03T08:00:00Z")
    assert opened["sent"] == 1 and len(sent_emails()) == 1


def test_bad_days_get_a_400_and_keep_what_was_set(client, tenant):
    set_days(client, tenant, ["2026-12-24"])
    refused = set_days(client, tenant, ["24/12/2026"])
    assert refused.status_code == 400
    assert json.loads(refused.body)["error"]["field"].startswith("excluded_days")
    assert json.loads(client.http.get("/v1/tenant/excluded-days", headers=auth(tenant)).body) == {
        "excluded_days": ["2026-12-24"]}


def test_kindly_tenant_set_replaces_the_days_and_refuses_a_bad_one(client, tenant, kindly, capsys):
    assert kindly(["tenant", "set", "--tenant", tenant["tenant_id"], "--excluded-days", "2026-12-31, 2026-12-24"]) == 0
    assert json.loads(capsys.readouterr().out) == {"tenant_id": tenant["tenant_id"],
                                                   "excluded_days": ["2026-12-24", "2026-12-31"]}
    assert kindly(["tenant", "set", "--tenant", tenant["tenant_id"], "--excluded-days", "2026-02-30"]) != 0
    assert "--excluded-days" in capsys.readouterr().err
    assert kindly(["tenant", "set", "--tenant", tenant["tenant_id"], "--excluded-days", ""]) == 0
    assert json.loads(capsys.readouterr().out)["excluded_days"] == []
