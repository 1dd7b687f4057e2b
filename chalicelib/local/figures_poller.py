"""The accounts table's stream, read locally as Lambda reads it on AWS: DynamoDB Local (and moto) serve the
Streams API, so the local stack polls each shard and hands the records to figures_stream's own code, and
`make run` shows the figures AWS would. A failed record is read again from its sequence number, as Lambda's
ReportBatchItemFailures would, and after as many retries as the event source mapping allows (infra/sam-merge.json)
its batch goes to the figures-dropped queue, as Lambda's on-failure destination would, for `kindly metrics
replay`."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from chalicelib.adapters.aws import error_code

MAX_RETRIES = 10  # infra/sam-merge.json: MaximumRetryAttempts of figures_stream's event source


class FiguresPoller:
    def __init__(self, app: Any) -> None:
        self._app = app
        self._streams = app.client("dynamodbstreams")
        self._iterators: dict[str, str | None] = {}  # shard id -> where to read next (None: the shard closed)
        self._last: dict[str, str] = {}  # shard id -> the last sequence number read from it
        self._failures: dict[tuple[str, str], int] = {}  # (shard id, first failed record) -> failed attempts

    def poll(self) -> int:
        """Read every shard once and apply what it holds; how many records were read."""
        from chalicelib.routes.streams import process_figure_records

        arn = self._app.client("dynamodb").describe_table(
            TableName=self._app.settings.accounts_table)["Table"].get("LatestStreamArn")
        if not arn:
            return 0
        for shard in self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self._fresh(arn, shard["ShardId"])
        read = 0
        for shard_id, iterator in list(self._iterators.items()):
            if iterator is None:
                continue
            try:
                page = self._streams.get_records(ShardIterator=iterator)
            except Exception as exc:
                # DynamoDB Local hands out an iterator past an empty shard's end that it then calls trimmed, and
                # iterators expire after 15 minutes: start again after the last record read (or from the start:
                # records read again count once).
                if error_code(exc) not in ("TrimmedDataAccessException", "ExpiredIteratorException"):
                    raise
                page = self._streams.get_records(ShardIterator=self._fresh(arn, shard_id))
            records = page.get("Records", [])
            self._iterators[shard_id] = page.get("NextShardIterator")
            if not records:
                continue
            read += len(records)
            self._last[shard_id] = records[-1]["dynamodb"]["SequenceNumber"]
            failures = process_figure_records({"Records": records}, self._app).get("batchItemFailures") or []
            if failures:  # read again from the first failure next time (those after it count once anyway)
                # as written: DynamoDB Local pads sequence numbers to 21 digits and refuses them shorter
                first = str(min((failure["itemIdentifier"] for failure in failures), key=int))
                key = (shard_id, first)
                self._failures[key] = attempts = self._failures.get(key, 0) + 1
                if attempts > MAX_RETRIES:  # Lambda gives up: a record of the batch, and on past it
                    self._drop(arn, shard_id, first, records[-1]["dynamodb"]["SequenceNumber"], attempts)
                    del self._failures[key]
                    continue
                self._last.pop(shard_id)
                self._iterators[shard_id] = self._streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="AT_SEQUENCE_NUMBER",
                    SequenceNumber=first)["ShardIterator"]
        return read

    def _drop(self, arn: str, shard_id: str, first: str, last: str, attempts: int) -> None:
        """What Lambda sends its on-failure destination for a batch of a DynamoDB stream it gave up on."""
        sqs = self._app.client("sqs")
        url = sqs.get_queue_url(QueueName=self._app.settings.figures_dropped_queue)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({
            "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": attempts},
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"}, "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "DDBStreamBatchInfo": {"shardId": shard_id, "streamArn": arn, "startSequenceNumber": first,
                                   "endSequenceNumber": last}}))

    def _fresh(self, arn: str, shard_id: str) -> str:
        after = self._last.get(shard_id)
        where = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after} if after
                 else {"ShardIteratorType": "TRIM_HORIZON"})
        return str(self._streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **where)["ShardIterator"])

    def drain(self, rounds: int = 20) -> int:
        """Poll until a round reads nothing (a write just made is in the stream by then)."""
        total = 0
        for _ in range(rounds):
            read = self.poll()
            total += read
            if not read:
                return total
        return total


def poll_in_background(app: Any, every: float = 1.0) -> threading.Event:
    """Poll the stream every `every` seconds on a daemon thread until the returned event is set."""
    from chalicelib.local.timer_sweep import say

    stop = threading.Event()
    poller = FiguresPoller(app)

    def run() -> None:
        while not stop.wait(every):
            try:
                poller.poll()
            except Exception as exc:  # noqa: BLE001 - a local stack keeps going; the next round tries again
                say(f"figures stream: {type(exc).__name__}, trying again")

    threading.Thread(target=run, name="figures-stream", daemon=True).start()
    return stop
