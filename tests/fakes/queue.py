"""The reminders work queue (ports.WorkQueue), keeping each batch as SQS would receive it (JSON bodies)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any


class FakeQueue:
    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []

    def send_batch(self, bodies: Iterable[dict[str, Any]]) -> int:
        batch = [json.loads(json.dumps(body, sort_keys=True)) for body in bodies]
        self.batches.append(batch)
        return len(batch)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [body for batch in self.batches for body in batch]


if TYPE_CHECKING:
    from chalicelib.domain import ports

    _queue: ports.WorkQueue = FakeQueue()
