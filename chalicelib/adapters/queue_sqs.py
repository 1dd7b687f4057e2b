"""The reminders work queue on SQS."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


class SqsQueue:
    def __init__(self, client: Any, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send_batch(self, bodies: Iterable[dict[str, Any]]) -> int:
        sent = 0
        batch: list[dict[str, Any]] = []
        for body in bodies:
            batch.append({"Id": str(len(batch)), "MessageBody": json.dumps(body, sort_keys=True)})
            if len(batch) == 10:
                sent += self._flush(batch)
                batch = []
        if batch:
            sent += self._flush(batch)
        return sent

    def _flush(self, batch: list[dict[str, Any]]) -> int:
        pending = batch
        for _attempt in range(5):
            response = self._client.send_message_batch(QueueUrl=self._url, Entries=pending)
            failed_ids = {f["Id"] for f in response.get("Failed", [])}
            pending = [entry for entry in pending if entry["Id"] in failed_ids]
            if not pending:
                return len(batch)
        raise RuntimeError(f"SQS refused {len(pending)} messages after retries")

