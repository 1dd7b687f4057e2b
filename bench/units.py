"""DynamoDB capacity units the way AWS bills them, and the ratios the benchmark reports: pure functions, no I/O.

Billing rules (DynamoDB developer guide, "Read/write capacity mode"): a read unit is 4 KB, a write unit 1 KB;
GetItem and BatchGetItem round each item up, Query and Scan round the summed size of the items they return up;
an eventually consistent read costs half; a transactional read or write costs twice.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

READ_UNIT_BYTES = 4096
WRITE_UNIT_BYTES = 1024
READ_OPERATIONS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"})


def attribute_size(value: dict[str, Any]) -> int:
    """Bytes of one DynamoDB attribute value ({"S": ...}, {"N": ...}, ...), as the service sizes it."""
    (kind, inner), = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":  # up to 38 significant digits, about two a byte, plus one
        digits = len(str(inner).lstrip("-").replace(".", "").strip("0")) or 1
        return math.ceil(digits / 2) + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(attribute_size({"N": n}) for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "L":
        return 3 + sum(1 + attribute_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + attribute_size(v) for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")


def item_size(item: dict[str, dict[str, Any]]) -> int:
    """Bytes of a whole item: every attribute's name plus its value."""
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def read_units(sizes: list[int], *, summed: bool, consistent: bool) -> float:
    """Read units of returning items of these sizes: summed (Query, Scan) or item by item (GetItem, BatchGet)."""
    if summed:
        units = float(max(1, math.ceil(sum(sizes) / READ_UNIT_BYTES)))
    else:
        units = float(sum(max(1, math.ceil(size / READ_UNIT_BYTES)) for size in sizes))
    return units if consistent else units / 2


def write_units(size: int, *, transactional: bool = False) -> float:
    units = float(max(1, math.ceil(size / WRITE_UNIT_BYTES)))
    return units * 2 if transactional else units


def estimated_units(operation: str, params: dict[str, Any], response: dict[str, Any]) -> float:
    """What AWS would bill for one call, from the items in its request and response (no secondary indexes),
    for a local stand-in that reports no ConsumedCapacity."""
    consistent = bool(params.get("ConsistentRead"))
    if operation in ("Query", "Scan"):
        return read_units([item_size(i) for i in response.get("Items", [])], summed=True, consistent=consistent)
    if operation == "GetItem":
        return read_units([item_size(response["Item"])] if "Item" in response else [0], summed=False,
                          consistent=consistent)
    if operation == "BatchGetItem":
        sizes = [item_size(i) for items in response.get("Responses", {}).values() for i in items]
        consistent = any(r.get("ConsistentRead") for r in params.get("RequestItems", {}).values())
        return read_units(sizes, summed=False, consistent=consistent)
    if operation == "TransactGetItems":
        return 2 * read_units([item_size(r["Item"]) for r in response.get("Responses", []) if "Item" in r],
                              summed=False, consistent=True)
    if operation == "PutItem":
        return write_units(item_size(params["Item"]))
    if operation in ("UpdateItem", "DeleteItem"):
        return write_units(item_size(response.get("Attributes", {})))
    if operation == "BatchWriteItem":
        return sum(write_units(item_size(r["PutRequest"]["Item"]) if "PutRequest" in r else 0)
                   for requests in params.get("RequestItems", {}).values() for r in requests)
    if operation == "TransactWriteItems":
        return sum(write_units(item_size(entry["Put"]["Item"]) if "Put" in entry else 0, transactional=True)
                   for entry in params.get("TransactItems", []))
    return 0.0


def reported_units(response: dict[str, Any]) -> float | None:
    """The CapacityUnits a response reports (one ConsumedCapacity or a list of them), None when it has none."""
    consumed = response.get("ConsumedCapacity")
    if consumed is None:
        return None
    entries = consumed if isinstance(consumed, list) else [consumed]
    return float(sum(Decimal(str(e.get("CapacityUnits", 0))) for e in entries))


def extrapolated(units: float, items_read: int, items_total: int) -> float:
    """The units of reading `items_total` items of the kind whose first `items_read` cost `units` (a paginated
    Query or Scan bills each page by its items' summed size, so its units grow in step with the items)."""
    if items_read <= 0:
        raise ValueError("nothing was read to extrapolate from")
    return round(units * max(items_total, items_read) / items_read, 1)


def ratio(numerator: float, denominator: float, digits: int = 2) -> float | None:
    """numerator ÷ denominator, rounded; None when the denominator is zero (nothing measured)."""
    if not denominator:
        return None
    return round(numerator / denominator, digits)


def within(value: float | None, goal: str) -> bool:
    """Whether a figure meets a goal written as "<= 1.5" or ">= 50" (a missing figure meets none)."""
    op, _, bound = goal.partition(" ")
    if value is None or op not in ("<=", ">="):
        return False
    return value <= float(bound) if op == "<=" else value >= float(bound)
