"""Count every AWS call Kindly makes (boto3 and pynamodb both go through BaseClient._make_api_call), ask DynamoDB
for its ConsumedCapacity on every call that can return it, and add the units up by reads and writes."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from bench.units import READ_OPERATIONS, estimated_units, reported_units


@dataclass
class CallLog:
    calls: Counter[str] = field(default_factory=Counter)
    read_units: float = 0.0
    write_units: float = 0.0
    reported: int = 0  # calls whose units DynamoDB reported
    estimated: int = 0  # calls whose units were computed from item sizes (the stand-in reported none)
    estimated_operations: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)  # (service, operation, params)
    seconds_in_calls: float = 0.0  # wall time inside botocore, request to parsed response
    seconds_by_call: Counter[str] = field(default_factory=Counter)  # the same, per service:operation
    pages: int = 0  # Query and Scan calls
    items_read: int = 0  # items those pages read (ScannedCount)
    budget_spent: bool = False  # a page past the budget was asked for (and refused)

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def of(self, service: str) -> int:
        return sum(n for name, n in self.calls.items() if name.startswith(service + ":"))

    def absorb(self, other: CallLog) -> None:
        """Add the counts of `other`, a later part of the same run, to this log."""
        self.calls.update(other.calls)
        self.read_units += other.read_units
        self.write_units += other.write_units
        self.reported += other.reported
        self.estimated += other.estimated
        self.estimated_operations.update(other.estimated_operations)
        self.requests.extend(other.requests)
        self.seconds_in_calls += other.seconds_in_calls
        self.seconds_by_call.update(other.seconds_by_call)
        self.pages += other.pages
        self.items_read += other.items_read
        self.budget_spent = self.budget_spent or other.budget_spent

    def units(self) -> dict[str, Any]:
        return {"read": round(self.read_units, 1), "write": round(self.write_units, 1),
                "reported_by_dynamodb": self.reported, "computed_from_item_sizes": self.estimated,
                **({"computed_for": dict(self.estimated_operations)} if self.estimated else {})}


class PageBudgetSpent(Exception):
    """More Query or Scan pages were asked for than the bench allowed (see `counting_aws_calls`)."""


@contextmanager
def counting_aws_calls(keep: Callable[[str, str], bool] | None = None,
                       page_budget: int | None = None) -> Iterator[CallLog]:
    """Count calls and DynamoDB units while the block runs; `keep(service, operation)` says which requests to
    keep (their parameters) for a replay. With a `page_budget`, the Query or Scan page past it is not made:
    PageBudgetSpent is raised instead (DynamoDB Local reads a 1 MB page in seconds on a busy machine, so reading
    100,000 accounts whole would take most of the run: the caller extrapolates from the pages it read)."""
    from botocore.client import BaseClient

    log = CallLog()
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        service = self.meta.service_model.service_name
        if service == "dynamodb" and operation in ("Query", "Scan"):
            if page_budget is not None and log.pages >= page_budget:
                log.budget_spent = True
                raise PageBudgetSpent(f"{operation} page {log.pages + 1} is past the budget of {page_budget}")
            log.pages += 1
        log.calls[f"{service}:{operation}"] += 1
        if keep is not None and keep(service, operation):
            log.requests.append((service, operation, params))
        if service == "dynamodb" and "ReturnConsumedCapacity" in (
                self.meta.service_model.operation_model(operation).input_shape.members):
            params = {**params, "ReturnConsumedCapacity": "TOTAL"}
        started = time.perf_counter()
        try:
            response = original(self, operation, params)
        finally:
            spent = time.perf_counter() - started
            log.seconds_in_calls += spent
            log.seconds_by_call[f"{service}:{operation}"] += spent
        if service != "dynamodb":
            return response
        log.items_read += int(response.get("ScannedCount", 0))
        units = reported_units(response)
        if units is None:
            units = estimated_units(operation, params, response)
            if units:
                log.estimated += 1
                log.estimated_operations[operation] += 1
        else:
            log.reported += 1
        if operation in READ_OPERATIONS:
            log.read_units += units
        else:
            log.write_units += units
        return response

    with mock.patch.object(BaseClient, "_make_api_call", counted):
        yield log
