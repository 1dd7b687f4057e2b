"""ports.FigureStore on the figures table: one partition per tenant (`tenant_id`), items by `key` ("total",
"day#<date>", "ends#<date>", and "seen#<sequence number>" markers), each counter a top-level number attribute.

A change is one TransactWriteItems: the Put of its "seen" marker (attribute_not_exists, expiring after the
stream's 24 hours of retention are long gone) and one ADD update per item it touches. A record delivered again
finds its marker and the whole transaction is cancelled, so a retry never counts twice."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from chalicelib.adapters.aws import error_code

KEY_ATTRIBUTES = ("tenant_id", "key", "expires_at")
SEEN = "seen#"
SEEN_KEEP_SECONDS = 3 * 24 * 3600


class DynamoFigureStore:
    def __init__(self, client: Any, table: str) -> None:
        self._client = client
        self._table = table

    def add(self, tenant_id: str, change_id: str, items: dict[str, dict[str, int]]) -> bool:
        marker = {"Put": {"TableName": self._table, "ConditionExpression": "attribute_not_exists(tenant_id)",
                          "Item": {"tenant_id": {"S": tenant_id}, "key": {"S": SEEN + change_id},
                                   "expires_at": {"N": str(int(time.time()) + SEEN_KEEP_SECONDS)}}}}
        updates = [self._update(tenant_id, key, counters) for key, counters in sorted(items.items()) if counters]
        try:
            self._client.transact_write_items(TransactItems=[marker, *updates])
        except Exception as exc:
            reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
            if error_code(exc) == "TransactionCanceledException" and reasons and \
                    reasons[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

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

    def _query(self, tenant_id: str, condition: str, values: dict[str, Any]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        asked: dict[str, Any] = {
            "TableName": self._table, "KeyConditionExpression": f"tenant_id = :tenant AND {condition}",
            "ExpressionAttributeNames": {"#k": "key"},
            "ExpressionAttributeValues": {":tenant": {"S": tenant_id}, **values}}
        while True:
            page = self._client.query(**asked)
            found += page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return found
            asked["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _counters(raw: dict[str, Any]) -> dict[str, int]:
    return {name: int(Decimal(value["N"])) for name, value in raw.items()
            if name not in KEY_ATTRIBUTES and "N" in value}
