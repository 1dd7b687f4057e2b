"""The batches of the accounts table's stream that figures_stream gave up on, for `kindly metrics replay`.

After 10 attempts (infra/sam-merge.json) Lambda sends a record of the batch, not its records, to the
figures-dropped queue: the stream, the shard, and the batch's first and last sequence numbers
(`DDBStreamBatchInfo`). The stream keeps records 24 hours; within them, the batch is read again from its first
sequence number to its last."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from msgspec import Struct

from chalicelib.adapters.aws import error_code

RECEIVE_HIDES_FOR = 300  # seconds a message read by this run stays hidden, so the run reads each once
EMPTY_PAGES = 5  # empty GetRecords pages in a row before a batch's last record counts as gone


class DroppedBatch(Struct, frozen=True):
    stream_arn: str
    shard_id: str
    first: str
    last: str


def dropped_batch(body: str) -> DroppedBatch | None:
    """The batch a message of the queue names; None for anything else."""
    try:
        info = json.loads(body)["DDBStreamBatchInfo"]
        batch = DroppedBatch(str(info["streamArn"]), str(info["shardId"]), str(info["startSequenceNumber"]),
                             str(info["endSequenceNumber"]))
    except (ValueError, TypeError, KeyError):
        return None
    return batch if batch.first.isdigit() and batch.last.isdigit() else None  # sequence numbers are digits


class FiguresDropped:
    def __init__(self, sqs: Any, streams: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._streams = streams
        self._queue_url = queue_url

    def waiting(self) -> Iterator[tuple[str, DroppedBatch | None]]:
        """Each message in the queue once, as (its receipt handle, the batch it names or None)."""
        while True:
            messages = self._sqs.receive_message(QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                                 VisibilityTimeout=RECEIVE_HIDES_FOR).get("Messages", [])
            if not messages:
                return
            for message in messages:
                yield message["ReceiptHandle"], dropped_batch(message["Body"])

    def records(self, batch: DroppedBatch) -> list[dict[str, Any]] | None:
        """The batch's records, first to last, shaped as Lambda hands them over; None unless the stream still holds
        the whole batch (a batch applied in part would leave the queue with the rest of it lost)."""
        try:
            iterator = self._streams.get_shard_iterator(
                StreamArn=batch.stream_arn, ShardId=batch.shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
                SequenceNumber=batch.first)["ShardIterator"]
        except Exception as exc:
            if error_code(exc) in ("TrimmedDataAccessException", "ResourceNotFoundException"):
                return None
            raise
        found: list[dict[str, Any]] = []
        empty_pages = 0
        while iterator and empty_pages < EMPTY_PAGES:
            page = self._streams.get_records(ShardIterator=iterator)
            records = page.get("Records", [])
            empty_pages = 0 if records else empty_pages + 1
            for record in records:
                number = int(record["dynamodb"]["SequenceNumber"])
                if number > int(batch.last) or (not found and number != int(batch.first)):
                    return None  # the batch's first or last record is no longer there
                found.append({**record, "eventSourceARN": batch.stream_arn})
                if number == int(batch.last):
                    return found
            iterator = page.get("NextShardIterator")  # None: the shard is closed and read to its end
        return None

    def done(self, receipt: str) -> None:
        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=receipt)
