"""The floor replays the worker's transactions on other keys, payloads unchanged: timed with their conditions (on
copies of the accounts as they were), and for the untimed warm-up without them."""

from __future__ import annotations

from bench.floor import is_floor_call, on_other_keys, unconditional

KEYS = {"accounts": "tenant_id", "audit": "account_key"}


def test_a_put_keeps_its_item_on_a_prefixed_key_and_loses_its_condition() -> None:
    params = {"ClientRequestToken": "t", "TransactItems": [
        {"Put": {"TableName": "accounts", "Item": {"tenant_id": {"S": "t1"}, "body": {"S": "x" * 50}},
                 "ConditionExpression": "#v = :v", "ExpressionAttributeNames": {"#v": "version"},
                 "ExpressionAttributeValues": {":v": {"N": "3"}}}},
        {"Put": {"TableName": "audit", "Item": {"account_key": {"S": "t1#a"}, "seq": {"N": "1"}},
                 "ConditionExpression": "attribute_not_exists(seq)"}},
    ]}
    replay = unconditional(params, KEYS, "floor-")
    first, second = (entry["Put"] for entry in replay["TransactItems"])
    assert first == {"TableName": "accounts", "Item": {"tenant_id": {"S": "floor-t1"}, "body": {"S": "x" * 50}}}
    assert second["Item"]["account_key"] == {"S": "floor-t1#a"} and "ConditionExpression" not in second
    assert "ClientRequestToken" not in replay
    assert params["TransactItems"][0]["Put"]["Item"]["tenant_id"] == {"S": "t1"}  # the original is untouched


def test_an_update_keeps_only_the_names_its_update_uses_and_a_check_becomes_one_that_holds() -> None:
    params = {"TransactItems": [
        {"Update": {"TableName": "accounts", "Key": {"tenant_id": {"S": "t1"}}, "UpdateExpression": "SET #s = :s",
                    "ConditionExpression": "#v = :v", "ExpressionAttributeNames": {"#s": "state", "#v": "version"},
                    "ExpressionAttributeValues": {":s": {"S": "sent"}, ":v": {"N": "1"}}}},
        {"ConditionCheck": {"TableName": "audit", "Key": {"account_key": {"S": "k"}},
                            "ConditionExpression": "seq = :n", "ExpressionAttributeValues": {":n": {"N": "1"}}}},
    ]}
    update, check = unconditional(params, KEYS, "floor-")["TransactItems"]
    assert update["Update"]["ExpressionAttributeNames"] == {"#s": "state"}
    assert update["Update"]["ExpressionAttributeValues"] == {":s": {"S": "sent"}}
    assert check["ConditionCheck"]["ConditionExpression"] == "attribute_not_exists(#floor_key)"
    assert check["ConditionCheck"]["Key"] == {"account_key": {"S": "check-floor-k"}}


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
    put, update = on_other_keys(params, KEYS, "floor-")["TransactItems"]
    assert put["Put"] == {**params["TransactItems"][0]["Put"],
                          "Item": {"tenant_id": {"S": "floor-t1"}, "version": {"N": "4"}}}
    assert update["Update"] == {**params["TransactItems"][1]["Update"], "Key": {"account_key": {"S": "floor-t1#a"}}}
    assert params["TransactItems"][0]["Put"]["Item"]["tenant_id"] == {"S": "t1"}  # the original is untouched
