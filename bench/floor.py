"""The floor: the AWS calls a reminder cannot avoid (its transactions and its send), made bare with plain boto3
and no Kindly code, with the same payloads and conditions as the worker's, against the same local services.

The timed replay writes to other keys (each table's hash key prefixed) that hold copies of the accounts as they
were before the worker's run (`seed`): made once and in the worker's order, every condition holds as it did for
the worker, each account item is replaced and each audit event and message is a first write, as the worker's
were."""

from __future__ import annotations

import copy
from typing import Any

FLOOR_OPERATIONS = frozenset({("dynamodb", "TransactWriteItems"), ("sesv2", "SendEmail"), ("ses", "SendEmail"),
                              ("ses", "SendRawEmail"), ("sns", "Publish")})


def is_floor_call(service: str, operation: str) -> bool:
    return (service, operation) in FLOOR_OPERATIONS


def on_other_keys(params: dict[str, Any], hash_keys: dict[str, str], prefix: str) -> dict[str, Any]:
    """The same transaction, conditions and all, on other keys (the hash key prefixed)."""
    replay = copy.deepcopy(params)
    replay.pop("ClientRequestToken", None)
    for entry in replay["TransactItems"]:
        (kind, action), = entry.items()
        target = action["Item"] if kind == "Put" else action["Key"]
        table_key = hash_keys[action["TableName"]]
        target[table_key] = {"S": prefix + target[table_key]["S"]}
    return replay


class Floor:
    """Plain boto3 clients for the floor's calls, kept from one replay to the next (warm connections, as the
    worker's), and each table's hash key, looked up before anything is timed."""

    def __init__(self, region: str) -> None:
        import boto3

        self._session = boto3.session.Session()
        self._region = region
        self._clients: dict[str, Any] = {}
        self._hash_keys: dict[str, str] = {}

    def prepare(self, requests: list[tuple[str, str, dict[str, Any]]], prefix: str = "floor-"
                ) -> list[tuple[Any, dict[str, Any]]]:
        """The requests as plain boto3 calls, ready to make once and in order on keys `seed` filled."""
        from botocore import xform_name

        prepared = []
        for service, operation, params in requests:
            if operation == "TransactWriteItems":
                for entry in params["TransactItems"]:
                    self._learn_key(next(iter(entry.values()))["TableName"])
                params = on_other_keys(params, self._hash_keys, prefix)
            prepared.append((getattr(self._client(service), xform_name(operation)), params))
        return prepared

    def seed(self, items: list[tuple[str, dict[str, Any]]], prefix: str = "floor-") -> None:
        """Copies of (table, item) on the prefixed keys that `prepare` writes to."""
        for table, item in items:
            self._learn_key(table)
            key = self._hash_keys[table]
            self._client("dynamodb").put_item(TableName=table, Item={**item, key: {"S": prefix + item[key]["S"]}})

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(service, region_name=self._region)
        return self._clients[service]

    def _learn_key(self, table: str) -> None:
        if table not in self._hash_keys:
            schema = self._client("dynamodb").describe_table(TableName=table)["Table"]["KeySchema"]
            self._hash_keys[table] = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")


def run(prepared: list[tuple[Any, dict[str, Any]]]) -> None:
    for call, params in prepared:
        call(**params)
