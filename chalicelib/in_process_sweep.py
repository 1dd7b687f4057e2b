"""The scheduled sweep and the queue worker in one process, to completion: what `kindly sweep --at` and the
local stack's timer run, through the same batch function as the deployed worker."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

BATCH_SIZE = 10  # what the deployed worker receives at most (routes/queues.py)


def run_sweep(app: Any, at: datetime, tenant_id: str | None = None,
              on_outcome: Callable[[dict[str, Any], Any], None] | None = None) -> dict[str, Any]:
    """The due index is read, each due account becomes an SQS-shaped record, and the worker's own batch
    function processes them; returns the summary API.md promises plus the errors and the instant."""
    from chalicelib.domain.times import iso
    from chalicelib.routes.queues import process_reminder_batch
    from chalicelib.services.sweep import held_summary, summarise

    plan = app.sweep.plan(at, tenant_id)
    items = plan.items
    outcomes: list[Any] = []
    errors = 0
    for start in range(0, len(items), BATCH_SIZE):
        batch = items[start:start + BATCH_SIZE]
        event = sqs_event(batch)
        response, batch_outcomes = process_reminder_batch(event, app)
        failed = {failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])}
        errors += len(failed)
        outcomes.extend(batch_outcomes)
        if on_outcome:
            # Only the records that did not fail have an outcome, in the order they were processed.
            done = [item for item, record in zip(batch, event["Records"], strict=True)
                    if record["messageId"] not in failed]
            for item, outcome in zip(done, batch_outcomes, strict=True):
                on_outcome(item, outcome)
    return {**summarise(outcomes), "errors": errors, "at": iso(at), "dry_run": app.dry_run,
            "sweep_held": held_summary(plan.held)}


def sqs_event(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    """The event SQS would deliver to the worker for these message bodies."""
    return {"Records": [
        {
            "messageId": str(uuid.uuid4()), "receiptHandle": "in-process", "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:local:000000000000:in-process",
            "awsRegion": "local",
        }
        for body in bodies
    ]}
