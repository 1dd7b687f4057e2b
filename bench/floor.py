"""The floor: the AWS calls a reminder cannot avoid (its transactions and its send), made bare with plain boto3
and no Kindly code, with the same payloads as the worker's, against the same local services."""

from __future__ import annotations

import copy
import re
from typing import Any

FLOOR_OPERATIONS = frozenset({("dynamodb", "TransactWriteItems"), ("sesv2", "SendEmail"), ("ses", "SendEmail"),
                              ("ses", "SendRawEmail"), ("sns", "Publish")})
_PLACEHOLDER = re.compile(r"[#:][A-Za-z0-9_]+")


def is_floor_call(service: str, operation: str) -> bool:
    return (service, operation) in FLOOR_OPERATIONS


def _only_used(entry: dict[str, Any], expressions: list[str]) -> None:
    used = set(_PLACEHOLDER.findall(" ".join(expressions)))
    for field in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        kept = {k: v for k, v in entry.get(field, {}).items() if k in used}
        if kept:
            entry[field] = kept
        else:
            entry.pop(field, None)


def unconditional(params: dict[str, Any], hash_keys: dict[str, str], prefix: str) -> dict[str, Any]:
    """The same transaction on other keys (the hash key prefixed) with its conditions dropped, so it succeeds
    however often it is replayed and writes items of the same size; a condition check becomes one that holds."""
    replay = copy.deepcopy(params)
    replay.pop("ClientRequestToken", None)
    for entry in replay["TransactItems"]:
        (kind, action), = entry.items()
        table_key = hash_keys[action["TableName"]]
        target = action["Item"] if kind == "Put" else action["Key"]
        if kind == "ConditionCheck":
            target[table_key] = {"S": "check-" + prefix + target[table_key]["S"]}
            action.pop("ExpressionAttributeValues", None)
            action["ConditionExpression"] = "attribute_not_exists(#floor_key)"
            action["ExpressionAttributeNames"] = {"#floor_key": table_key}
            continue
        target[table_key] = {"S": prefix + target[table_key]["S"]}
        action.pop("ConditionExpression", None)
        action.pop("ReturnValuesOnConditionCheckFailure", None)
        _only_used(action, [action.get("UpdateExpression", "")])
    return replay


def prepare(requests: list[tuple[str, str, dict[str, Any]]], region: str,
            prefix: str = "floor-") -> list[tuple[Any, dict[str, Any]]]:
    """Plain boto3 calls for the requests, ready to make in order (the tables' keys are looked up here, before
    anything is timed)."""
    import boto3
    from botocore import xform_name

    session = boto3.session.Session()
    clients: dict[str, Any] = {}
    hash_keys: dict[str, str] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(service, region_name=region)
        return clients[service]

    prepared = []
    for service, operation, params in requests:
        if operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                table = next(iter(entry.values()))["TableName"]
                if table not in hash_keys:
                    schema = client("dynamodb").describe_table(TableName=table)["Table"]["KeySchema"]
                    hash_keys[table] = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
            params = unconditional(params, hash_keys, prefix)
        prepared.append((getattr(client(service), xform_name(operation)), params))
    return prepared


def run(prepared: list[tuple[Any, dict[str, Any]]]) -> None:
    for call, params in prepared:
        call(**params)
