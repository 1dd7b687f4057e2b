"""The accounts table's stream: each record's change of one account is added to its tenant's finance figures
(services/figure_stream.py); a record that fails is reported, and Lambda retries from it (ReportBatchItemFailures,
infra/sam-merge.json); a change counted already is recognised by its account version and counts once."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.bootstrap import Container, container
from chalicelib.coldstart import ends_cold_start
from chalicelib.config import settings

streams = Blueprint(__name__)


def process_figure_records(event: dict[str, Any], app: Container) -> dict[str, Any]:
    """Apply every record of a batch; the response names the records that failed (powertools' batch utility)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType

    from chalicelib.adapters.dynamodb.stream_records import account_of, recorded_on
    from chalicelib.observability import error_fields, logger

    def handle(record: Any) -> None:
        raw = record.raw_event
        change = raw["dynamodb"]
        try:
            app.figure_stream.apply(recorded_on(raw), account_of(app.models, change.get("OldImage")),
                                    account_of(app.models, change.get("NewImage")))
        except Exception as exc:
            keys = change.get("Keys") or {}
            logger().error("figures record failed", extra={
                "tenant_id": (keys.get("tenant_id") or {}).get("S"), "sequence_number": change["SequenceNumber"],
                **error_fields(exc)})
            raise

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)
    with processor(records=event["Records"], handler=handle):
        processor.process()
    return processor.response()


@streams.on_dynamodb_record(stream_arn=settings().accounts_stream_arn, batch_size=100,
                            starting_position="TRIM_HORIZON")
@ends_cold_start
def figures_stream(event: Any) -> dict[str, Any]:
    return process_figure_records(event.to_dict(), container())
