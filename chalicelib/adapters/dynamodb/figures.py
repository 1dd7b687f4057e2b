"""ports.FigureStore on the figures table: one partition per tenant (`tenant_id`), items by `key`: the aggregate
items ("total", "day#<date>", "ends#<date>"), each counter a top-level number attribute, and what is counted for
each account ("counted#<account id>": `version`, `dated`, its contribution as the map `counters`, and the
counters' `digest`, which the conditions compare).

A move is one TransactWriteItems: the put (or delete) of the account's Counted, on the condition that the move
lands on it (domain/counted.lands_on), and one ADD update per aggregate item the move adds to. When the Counted has
moved on, the whole transaction is cancelled and nothing is counted."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import msgspec

from chalicelib.adapters.aws import error_code
from chalicelib.domain.counted import WRITES, Counted, Move
from chalicelib.domain.figures import TOTAL_ITEM

KEY_ATTRIBUTES = ("tenant_id", "key")
COUNTED = "counted#"


class DynamoFigureStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def counted(self, tenant_id: str, account_id: str) -> Counted | None:
        found = self._client.get_item(TableName=self._table, Key=self._key(tenant_id, COUNTED + account_id),
                                      ConsistentRead=True).get("Item")
        return _counted(found) if found else None

    def all_counted(self, tenant_id: str) -> Iterator[tuple[str, Counted]]:
        for raw in self._query(tenant_id, "begins_with(#k, :prefix)", {":prefix": {"S": COUNTED}}):
            yield raw["key"]["S"].removeprefix(COUNTED), _counted(raw)

    def move(self, tenant_id: str, account_id: str, move: Move) -> bool:
        key = self._key(tenant_id, COUNTED + account_id)
        if move.start is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(tenant_id)"}
        else:
            start = move.start
            condition = {"ConditionExpression": "#v <= :v AND #d <= :d AND #s = :s",  # domain/counted.lands_on
                         "ExpressionAttributeNames": {"#v": "version", "#d": "dated", "#s": "digest"},
                         "ExpressionAttributeValues": {":v": {"N": str(start.version)}, ":d": {"N": str(start.dated)},
                                                       ":s": {"S": _digest(start.counters)}}}
        if move.end is None:
            counted: dict[str, Any] = {"Delete": {"TableName": self._table, "Key": key, **condition}}
        else:
            end = move.end
            item = {**key, "version": {"N": str(end.version)}, "dated": {"N": str(end.dated)},
                    "digest": {"S": _digest(end.counters)},
                    "counters": {"M": {name: {"N": str(n)} for name, n in end.counters.items()}}}
            counted = {"Put": {"TableName": self._table, "Item": item, **condition}}
        updates = [self._update(tenant_id, item_key, counters)
                   for item_key, counters in sorted(move.added.items()) if counters]
        try:
            if updates:
                self._client.transact_write_items(TransactItems=[counted, *updates])
            elif move.end is None:
                self._client.delete_item(**counted["Delete"])
            else:
                self._client.put_item(**counted["Put"])
        except Exception as exc:
            if _refused(exc):
                return False
            raise
        return True

    def correct(self, tenant_id: str, items: dict[str, dict[str, int]], writes: int | None) -> bool:
        counted_writes = {**items.get(TOTAL_ITEM, {}), WRITES: 1}
        total = self._update(tenant_id, TOTAL_ITEM, counted_writes)["Update"]
        total["ExpressionAttributeNames"]["#w"] = WRITES
        if writes is None:
            total["ConditionExpression"] = "attribute_not_exists(#w)"
        else:
            total["ConditionExpression"] = "#w = :w"
            total["ExpressionAttributeValues"][":w"] = {"N": str(writes)}
        others = [self._update(tenant_id, key, counters) for key, counters in sorted(items.items())
                  if key != TOTAL_ITEM and counters]
        try:
            self._client.transact_write_items(TransactItems=[{"Update": total}, *others])
        except Exception as exc:
            if _refused(exc):
                return False
            raise
        return True

    def _key(self, tenant_id: str, key: str) -> dict[str, Any]:
        return {"tenant_id": {"S": tenant_id}, "key": {"S": key}}

    def _update(self, tenant_id: str, key: str, counters: dict[str, int]) -> dict[str, Any]:
        names = {f"#c{n}": name for n, name in enumerate(counters)}
        values = {f":c{n}": {"N": str(value)} for n, value in enumerate(counters.values())}
        return {"Update": {"TableName": self._table, "Key": {"tenant_id": {"S": tenant_id}, "key": {"S": key}},
                           "UpdateExpression": "ADD " + ", ".join(f"#c{n} :c{n}" for n in range(len(counters))),
                           "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}}

    def item(self, tenant_id: str, key: str) -> dict[str, int]:
        found = self._client.get_item(TableName=self._table, Key={"tenant_id": {"S": tenant_id}, "key": {"S": key}})
        return _counters(found.get("Item") or {})

    def between(self, tenant_id: str, first: str, last: str) -> dict[str, dict[str, int]]:
        bounds = {":first": {"S": first}, ":last": {"S": last}}
        found = self._query(tenant_id, "#k BETWEEN :first AND :last", bounds)
        return {raw["key"]["S"]: _counters(raw) for raw in found}

    def replace(self, tenant_id: str, items: dict[str, dict[str, int]], prefixes: tuple[str, ...]) -> None:
        stale = [raw["key"]["S"] for prefix in prefixes
                 for raw in self._query(tenant_id, "begins_with(#k, :prefix)", {":prefix": {"S": prefix}})]
        requests = [{"DeleteRequest": {"Key": {"tenant_id": {"S": tenant_id}, "key": {"S": key}}}}
                    for key in stale if key not in items]
        requests += [{"PutRequest": {"Item": {"tenant_id": {"S": tenant_id}, "key": {"S": key},
                                              **{name: {"N": str(n)} for name, n in counters.items()}}}}
                     for key, counters in items.items()]
        for start in range(0, len(requests), 25):
            batch: dict[str, Any] = {self._table: requests[start:start + 25]}
            while batch:
                batch = self._client.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}

    def _query(self, tenant_id: str, condition: str, values: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The items, a page at a time (a tenant's counted items are as many as its accounts)."""
        asked: dict[str, Any] = {
            "TableName": self._table, "KeyConditionExpression": f"tenant_id = :tenant AND {condition}",
            "ExpressionAttributeNames": {"#k": "key"},
            "ExpressionAttributeValues": {":tenant": {"S": tenant_id}, **values}}
        while True:
            page = self._client.query(**asked)
            yield from page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            asked["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _refused(exc: Exception) -> bool:
    """The write's condition failed (for a transaction: its first item's, the one carrying the condition)."""
    if error_code(exc) == "ConditionalCheckFailedException":
        return True
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return error_code(exc) == "TransactionCanceledException" and bool(reasons) and \
        reasons[0].get("Code") == "ConditionalCheckFailed"


def _digest(counters: dict[str, int]) -> str:
    """The counters in a few bytes, for a condition to compare (a map cannot be compared in one)."""
    return hashlib.blake2b(msgspec.json.encode(sorted(counters.items())), digest_size=12).hexdigest()


def _counted(raw: dict[str, Any]) -> Counted:
    return Counted(int(raw["version"]["N"]), int(raw["dated"]["N"]),
                   {name: int(Decimal(value["N"])) for name, value in raw["counters"]["M"].items()})


def _counters(raw: dict[str, Any]) -> dict[str, int]:
    return {name: int(Decimal(value["N"])) for name, value in raw.items()
            if name not in KEY_ATTRIBUTES and "N" in value}
