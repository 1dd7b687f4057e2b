"""The reminders queue worker: one record, one account, one use case; partial batch failures reported."""

from __future__ import annotations

import json
from typing import Any

from chalice import Blueprint

from chalicelib.bootstrap import Container, container
from chalicelib.coldstart import ends_cold_start
from chalicelib.config import settings

queues = Blueprint(__name__)


def process_reminder_batch(event: dict[str, Any], app: Container) -> tuple[dict[str, Any], list[Any]]:
    """Run every record through the remind use case; failed records go back to SQS, the rest are done.

    The response is SQS's partial batch response (the event source mapping reports batch item failures:
    infra/sam-merge.json). It is built here rather than with powertools' BatchProcessor, whose import brings
    asyncio and every powertools event class: about 13 ms of a cold worker's load before its first reminder,
    for a loop this short. The DynamoDB stream handler (routes/streams.py), off that path, keeps the BatchProcessor.
    """
    from chalicelib.observability import error_fields, logger

    outcomes: list[Any] = []
    failed: list[dict[str, str]] = []
    for record in event["Records"]:
        item: Any = {}
        try:
            item = json.loads(record["body"])
            outcome = app.remind.process(item["tenant_id"], item["account_id"], item.get("snapshot"),
                                         item.get("holidays"))
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the record goes back to SQS for a retry
            # This line is the only trace of why. Ids and the error's type only.
            ids = item if isinstance(item, dict) else {}
            logger().error("reminder failed", extra={
                "tenant_id": ids.get("tenant_id"), "account_id": ids.get("account_id"),
                "sqs_message_id": record["messageId"], **error_fields(exc),
            })
            # A batch where every record failed is reported like any other (each id listed, SQS retries them),
            # not raised: the CLI sweep then counts the errors instead of crashing with the exceptions' messages.
            failed.append({"itemIdentifier": record["messageId"]})
            continue
        outcomes.append(outcome)
        logger().info("reminder evaluated", extra={
            "tenant_id": item["tenant_id"], "account_id": item["account_id"], "outcome": outcome.kind,
            "reason": outcome.reason, "channel": outcome.channel, "template": outcome.template,
        })
    return {"batchItemFailures": failed}, outcomes


@queues.on_sqs_message(queue=settings().reminders_queue, batch_size=10)
@ends_cold_start
def remind_worker(event: Any) -> dict[str, Any]:
    from chalicelib.observability import metrics, record_outcomes, tracer

    with tracer().provider.in_subsegment("## remind_batch"):
        response, outcomes = process_reminder_batch(event.to_dict(), container())
    record_outcomes(outcomes)
    metrics().flush_metrics()
    return response
