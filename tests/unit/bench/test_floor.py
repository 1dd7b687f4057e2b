"""The floor replays the worker's transactions on other keys, payloads and conditions unchanged (on copies of the
accounts as they were, bench/floor.py)."""

from __future__ import annotations

from bench.floor import is_floor_call, on_other_keys

KEYS = {"accounts": "tenant_id", "audit": "account_key"}


def test_only_the_unavoidable_calls_are_replayed() -> None:
    assert is_floor_call("dynamodb", "TransactWriteItems") and is_floor_call("sesv2", "SendEmail")
    assert not is_floor_call("dynamodb", "GetItem") and not is_floor_call("sqs", "SendMessageBatch")


def test_the_timed_replay_keeps_every_condition_and_moves_only_the_hash_keys() -> None:
    params = {"ClientRequestToken": "t", "TransactItems": [
        {"Put": {"TableName": "accounts", "Item": {"tenant_id": {"S": "t1"}, "version": {"N": "4"}},
                 "ConditionExpression": "#v = :v", "ExpressionAttributeNames": {"#v": "version"},
                 "ExpressionAttributeValues": {":v": {"N": "3"}}}},
        {"Update": {"TableName": "audit", "Key": {"account_key": {"S": "t1#a"}}, "UpdateExpression": "SET #s = :s",
                    "ConditionExpression": "attribute_not_exists(#s)", "ExpressionAttributeNames": {"#s": "state"},
                    "ExpressionAttributeValues": {":s": {"S": "sent"}}}},
    ]}
    replay = on_other_keys(params, KEYS, "floor-")
    put, update = replay["TransactItems"]
    assert put["Put"] == {**params["TransactItems"][0]["Put"],
                          "Item": {"tenant_id": {"S": "floor-t1"}, "version": {"N": "4"}}}
    assert update["Update"] == {**params["TransactItems"][1]["Update"], "Key": {"account_key": {"S": "floor-t1#a"}}}
    assert "ClientRequestToken" not in replay  # a token reused with other keys would be refused
    assert params["TransactItems"][0]["Put"]["Item"]["tenant_id"] == {"S": "t1"}  # the original is untouched
