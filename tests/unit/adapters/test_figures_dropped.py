"""What `kindly metrics replay` takes from a message of the figures-dropped queue: Lambda's record of a batch of
the accounts stream it gave up on, or nothing for anything else (the message then stays, counted unreadable)."""

from __future__ import annotations

import json

import pytest

from chalicelib.adapters.figures_dropped import DroppedBatch, dropped_batch

pytestmark = pytest.mark.unit

ARN = "arn:aws:dynamodb:eu-west-1:123456789012:table/kindly-dev-accounts/stream/2026-12-01T00:00:00.000"
LAMBDAS_RECORD = {  # the shape of AWS's documented example of a DynamoDB Streams on-failure record
    "requestContext": {"requestId": "316aa6d0-8154-xmpl-9af7-85d5f4a6bc81", "condition": "RetryAttemptsExhausted",
                       "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:kindly-dev-figures_stream",
                       "approximateInvokeCount": 11},
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
    "version": "1.0", "timestamp": "2026-12-01T09:00:06.021Z",
    "DDBStreamBatchInfo": {"shardId": "shardId-00000001573689847184-864758bb", "startSequenceNumber":
                           "800000000003126276362", "endSequenceNumber": "800000000003126276400",
                           "approximateArrivalOfFirstRecord": "2026-12-01T09:00:04Z",
                           "approximateArrivalOfLastRecord": "2026-12-01T09:00:05Z", "batchSize": 3,
                           "streamArn": ARN}}


def test_lambdas_record_names_the_batch():
    assert dropped_batch(json.dumps(LAMBDAS_RECORD)) == DroppedBatch(
        ARN, "shardId-00000001573689847184-864758bb", "800000000003126276362", "800000000003126276400")


@pytest.mark.parametrize("body", [
    "not json", "[]", "null", json.dumps({"Records": []}),
    json.dumps({"DDBStreamBatchInfo": {"shardId": "s", "streamArn": ARN, "startSequenceNumber": "1"}}),
    json.dumps({"DDBStreamBatchInfo": {**LAMBDAS_RECORD["DDBStreamBatchInfo"], "endSequenceNumber": "-1"}}),
    json.dumps({"DDBStreamBatchInfo": {**LAMBDAS_RECORD["DDBStreamBatchInfo"], "startSequenceNumber": "1e9"}}),
], ids=["text", "list", "null", "other-json", "no-end", "negative", "not-digits"])
def test_anything_else_names_no_batch(body):
    assert dropped_batch(body) is None
