"""A stored audit event that was corrupted or tampered with (not JSON, a bad `at`, a wrong type, a missing
attribute, an altered hash, a deletion) is reported by verify as `ok: false` at its seq, never a crash; the
timeline still answers and marks what it cannot read; `kindly audit verify` says so and goes on."""

from __future__ import annotations

import json

import pytest

from tests.support.samples import account

ACCOUNT_ID = "acct-1"
EVENTS = 3  # account_created, flag_set, flag_cleared


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def with_three_events(client, tenant, account_id=ACCOUNT_ID):
    assert client.http.put(f"/v1/accounts/{account_id}", headers=auth(tenant),
                           body=json.dumps(account())).status_code == 201
    for active in (True, False):
        flag = {"flag": "dispute", "active": active}
        response = client.http.post(f"/v1/accounts/{account_id}/flags", headers=auth(tenant), body=json.dumps(flag))
        assert response.status_code == 200


def audit_table(aws):
    return aws.client("dynamodb"), aws.models.audit.Meta.table_name


def stored_key(tenant, account_id, seq):
    return {"account_key": {"S": f"{tenant['tenant_id']}#{account_id}"}, "seq": {"N": str(seq)}}


def overwrite(aws, tenant, seq, attribute, value, account_id=ACCOUNT_ID):
    dynamodb, table = audit_table(aws)
    dynamodb.update_item(TableName=table, Key=stored_key(tenant, account_id, seq),
                         UpdateExpression="SET #a = :v", ExpressionAttributeNames={"#a": attribute},
                         ExpressionAttributeValues={":v": value})


def remove(aws, tenant, seq, attribute):
    dynamodb, table = audit_table(aws)
    dynamodb.update_item(TableName=table, Key=stored_key(tenant, ACCOUNT_ID, seq),
                         UpdateExpression="REMOVE #a", ExpressionAttributeNames={"#a": attribute})


def move_seq(aws, tenant, seq, new_seq):
    """The same stored event under another seq (a number the key schema accepts, but not a whole one)."""
    dynamodb, table = audit_table(aws)
    item = dynamodb.get_item(TableName=table, Key=stored_key(tenant, ACCOUNT_ID, seq), ConsistentRead=True)["Item"]
    dynamodb.delete_item(TableName=table, Key=stored_key(tenant, ACCOUNT_ID, seq))
    dynamodb.put_item(TableName=table, Item={**item, "seq": {"N": str(new_seq)}})


def delete(aws, tenant, seq):
    dynamodb, table = audit_table(aws)
    dynamodb.delete_item(TableName=table, Key=stored_key(tenant, ACCOUNT_ID, seq))


UNREADABLE = {
    "details not JSON": lambda aws, t: overwrite(aws, t, 2, "details", {"S": "{flag: dispute"}),
    "details of the wrong type": lambda aws, t: overwrite(aws, t, 2, "details", {"M": {"flag": {"S": "dispute"}}}),
    "at garbage": lambda aws, t: overwrite(aws, t, 2, "at", {"S": "the day before yesterday"}),
    "at of the wrong type": lambda aws, t: overwrite(aws, t, 2, "at", {"N": "1700000000"}),
    "type of the wrong type": lambda aws, t: overwrite(aws, t, 2, "type", {"BOOL": True}),
    "hash missing": lambda aws, t: remove(aws, t, 2, "hash"),
    "details missing": lambda aws, t: remove(aws, t, 2, "details"),
    "at missing": lambda aws, t: remove(aws, t, 2, "at"),
}


@pytest.mark.parametrize("corrupt", UNREADABLE.values(), ids=UNREADABLE.keys())
def test_an_unreadable_event_breaks_the_chain_at_its_seq_and_the_timeline_still_answers(client, aws, tenant,
                                                                                         corrupt):
    with_three_events(client, tenant)
    corrupt(aws, tenant)

    verify = client.http.get(f"/v1/accounts/{ACCOUNT_ID}/audit/verify", headers=auth(tenant))
    assert verify.status_code == 200
    assert json.loads(verify.body) == {"ok": False, "first_broken_seq": 2, "events": EVENTS}

    timeline = client.http.get(f"/v1/accounts/{ACCOUNT_ID}/timeline", headers=auth(tenant))
    assert timeline.status_code == 200
    events = json.loads(timeline.body)["events"]
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert [e["type"] for e in (events[0], events[2])] == ["account_created", "flag_cleared"]
    assert events[1]["unreadable"]
    assert "unreadable" not in events[0] and "unreadable" not in events[2]


TAMPERED = {
    "hash altered": (lambda aws, t: overwrite(aws, t, 2, "hash", {"S": "f" * 64}), 2, EVENTS),
    "details altered but still JSON": (
        lambda aws, t: overwrite(aws, t, 2, "details", {"S": '{"flag": "hardship"}'}), 2, EVENTS),
    "an event deleted": (lambda aws, t: delete(aws, t, 2), 2, EVENTS - 1),
    "the newest event deleted": (lambda aws, t: delete(aws, t, 3), 3, EVENTS - 1),
    "seq no longer a whole number": (lambda aws, t: move_seq(aws, t, 2, "2.5"), 2, EVENTS),
}


@pytest.mark.parametrize(("tamper", "broken", "left"), TAMPERED.values(), ids=TAMPERED.keys())
def test_tampering_is_reported_with_the_first_broken_seq(client, aws, tenant, tamper, broken, left):
    with_three_events(client, tenant)
    tamper(aws, tenant)

    verify = client.http.get(f"/v1/accounts/{ACCOUNT_ID}/audit/verify", headers=auth(tenant))
    assert verify.status_code == 200
    assert json.loads(verify.body) == {"ok": False, "first_broken_seq": broken, "events": left}
    assert client.http.get(f"/v1/accounts/{ACCOUNT_ID}/timeline", headers=auth(tenant)).status_code == 200


# --- the kindly command -----------------------------------------------------------------------------

def test_kindly_audit_verify_of_a_corrupted_account_exits_1_with_a_readable_line(client, aws, tenant, kindly,
                                                                                  capsys):
    with_three_events(client, tenant)
    overwrite(aws, tenant, 2, "details", {"S": "{flag: dispute"})

    assert kindly(["audit", "verify", ACCOUNT_ID, "--tenant", tenant["tenant_id"]]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    report = json.loads(out)
    assert report["ok"] is False and report["first_broken_seq"] == 2
    assert report["broken"][ACCOUNT_ID]["problem"] == "seq 2 is unreadable: details are not JSON"

    assert kindly(["timeline", ACCOUNT_ID, "--tenant", tenant["tenant_id"]]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == EVENTS and "unreadable" in lines[1] and "flag_cleared" in lines[2]


def test_kindly_audit_verify_of_a_tenant_goes_on_past_a_broken_account(client, aws, tenant, kindly, capsys):
    for account_id in ("acct-a", "acct-b", "acct-c"):
        with_three_events(client, tenant, account_id)
    overwrite(aws, tenant, 2, "at", {"S": "garbage"}, account_id="acct-a")
    overwrite(aws, tenant, 3, "details", {"S": "not json"}, account_id="acct-c")

    assert kindly(["audit", "verify", "--tenant", tenant["tenant_id"]]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["accounts"] == 3 and report["events"] == 3 * EVENTS
    assert {k: v["first_broken_seq"] for k, v in report["broken"].items()} == {"acct-a": 2, "acct-c": 3}
