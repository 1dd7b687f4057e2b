"""figures_stream on the accounts table's stream (moto serves the Streams API), GET /v1/metrics from the
aggregates with a period, and `kindly metrics rebuild`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.aws.test_first_reminder import auth
from tests.support.figures import flow_figures
from tests.support.samples import ACCOUNT, account

pytestmark = pytest.mark.aws


def stream_records(aws: Any) -> list[dict[str, Any]]:
    """Every record of the accounts stream so far, shaped as Lambda delivers them (creation time in seconds)."""
    streams = aws.client("dynamodbstreams")
    arn = aws.client("dynamodb").describe_table(TableName=aws.settings.accounts_table)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator)["Records"]:
            change = record["dynamodb"]
            records.append({**record, "eventSourceARN": arn, "dynamodb": {
                **change, "ApproximateCreationDateTime": change["ApproximateCreationDateTime"].timestamp()}})
    return records


def put(client: Any, tenant: dict[str, str], account_id: str, **changes: Any) -> None:
    answer = client.http.put(f"/v1/accounts/{account_id}", headers=auth(tenant), body=json.dumps(account(**changes)))
    assert answer.status_code in (200, 201), answer.body


def metrics(client: Any, tenant: dict[str, str], query: str = "") -> Any:
    return client.http.get(f"/v1/metrics{query}", headers=auth(tenant))


def test_the_same_records_delivered_twice_count_once(client, aws, tenant):
    put(client, tenant, "a-1")
    put(client, tenant, "a-2", email="two@example.com")
    event = {"Records": stream_records(aws)}

    first = client.lambda_.invoke("figures_stream", event).payload
    again = client.lambda_.invoke("figures_stream", event).payload  # at-least-once: the batch comes again

    assert first == again == {"batchItemFailures": []}
    figures = json.loads(metrics(client, tenant).body)
    assert figures["accounts"] == {"total": 2, "by_state": {"active": 2}}
    assert figures["outstanding"] == {"EUR": 9800}


def test_a_failed_record_is_reported_and_the_retried_batch_counts_each_change_once(client, aws, tenant, monkeypatch):
    put(client, tenant, "a-1")
    put(client, tenant, "a-2")
    put(client, tenant, "a-3")
    records = stream_records(aws)
    failing = records[1]["dynamodb"]["SequenceNumber"]
    store = aws.figure_store
    move = store.move

    def move_failing_once(tenant_id: str, account_id: str, change: Any) -> bool:
        if account_id == "a-2":
            monkeypatch.setattr(store, "move", move)
            raise RuntimeError("throttled")
        return move(tenant_id, account_id, change)

    monkeypatch.setattr(store, "move", move_failing_once)
    answer = client.lambda_.invoke("figures_stream", {"Records": records}).payload
    assert answer == {"batchItemFailures": [{"itemIdentifier": failing}]}
    assert json.loads(metrics(client, tenant).body)["accounts"]["total"] == 2  # the others went through

    # Lambda retries from the failed record on: those after it come again, and count once
    retried = client.lambda_.invoke("figures_stream", {"Records": records[1:]}).payload

    assert retried == {"batchItemFailures": []}
    assert json.loads(metrics(client, tenant).body)["accounts"]["total"] == 3


def test_a_period_sums_its_days_while_what_stands_now_stays_now(client, aws, tenant):
    put(client, tenant, "a-1")
    flow_figures(aws)
    today = aws.clock.now().date().isoformat()

    this_day = json.loads(metrics(client, tenant, f"?from={today}&to={today}").body)
    long_ago = json.loads(metrics(client, tenant, "?from=2020-01-01&to=2020-01-31").body)

    assert this_day["period"] == {"from": today, "to": today}
    assert this_day["outstanding"] == long_ago["outstanding"] == {"EUR": 4900}  # "now", whatever the period
    assert this_day["accounts"]["total"] == long_ago["accounts"]["total"] == 1
    assert "period" not in json.loads(metrics(client, tenant).body)


def test_money_recorded_today_is_in_a_period_of_today_only(client, aws, tenant):
    from chalicelib.domain.payments import SUCCEEDED, Payment

    put(client, tenant, "a-1")
    stored = aws.account_repository.get(tenant["tenant_id"], "a-1")
    stored.add_line(Payment("stripe", "pi_1", SUCCEEDED, 1500, "EUR", aws.clock.now(), "evt_1"))
    aws.account_repository.save(stored)
    flow_figures(aws)
    today = aws.clock.now().date().isoformat()

    assert json.loads(metrics(client, tenant, f"?from={today}").body)["recovered"] == {"EUR": 1500}
    assert json.loads(metrics(client, tenant, "?to=2020-01-31").body)["recovered"] == {}
    assert json.loads(metrics(client, tenant).body)["recovered"] == {"EUR": 1500}


@pytest.mark.parametrize("query, field", [("?from=2026-13-01", "from"), ("?from=yesterday", "from"),
                                          ("?to=2026-12-1", "to"), ("?from=2026-12-02&to=2026-12-01", "from")])
def test_a_bad_period_is_400_naming_it(client, aws, tenant, query, field):
    answer = metrics(client, tenant, query)

    assert answer.status_code == 400
    assert json.loads(answer.body)["error"]["field"] == field


def test_rebuild_corrects_the_figures_from_the_accounts(client, aws, tenant, kindly, capsys):
    put(client, tenant, "a-1")
    put(client, tenant, "a-2")
    flow_figures(aws)
    streamed = json.loads(metrics(client, tenant).body)
    store, tenant_id = aws.figure_store, tenant["tenant_id"]
    # figures gone wrong: a change counted that never happened...
    writes = store.item(tenant_id, "total")["writes"]
    assert store.correct(tenant_id, {"total": {"accounts": 7, "state:held": 7}}, writes)
    # ...and a change the figures have not counted yet: the stream lags behind
    put(client, tenant, "a-2", invoices=[{**ACCOUNT["invoices"][0], "amount": 5900}])
    assert json.loads(metrics(client, tenant).body)["accounts"]["total"] == 9

    assert kindly(["metrics", "rebuild", "--tenant", tenant_id]) == 0

    printed = json.loads(capsys.readouterr().out)
    assert printed["accounts_read"] == 2 and printed["accounts_corrected"] == 1
    assert printed["standing_checked"] is True
    assert printed["standing_corrected"] == {"total": {"accounts": -7, "state:held": -7}}
    rebuilt = json.loads(metrics(client, tenant).body)
    assert rebuilt["accounts"] == streamed["accounts"] == {"total": 2, "by_state": {"active": 2}}
    assert rebuilt["outstanding"] == {"EUR": 4900 + 5900}
    flow_figures(aws)  # the stream catches up: what the rebuild counted is not counted again
    assert json.loads(metrics(client, tenant).body)["outstanding"] == {"EUR": 4900 + 5900}
    assert kindly(["metrics", "rebuild", "--tenant", "t_nope"]) != 0


def dropped(aws: Any, records: list[dict[str, Any]], body: Any = None) -> None:
    """What Lambda sends to the figures-dropped queue when it gives up on a batch of `records` (its on-failure
    destination's record: the batch's stream, shard and sequence numbers, not the records)."""
    arn = records[0]["eventSourceARN"]
    (shard,) = aws.client("dynamodbstreams").describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    body = body or {
        "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 11},
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"}, "version": "1.0",
        "DDBStreamBatchInfo": {"shardId": shard["ShardId"], "streamArn": arn, "batchSize": len(records),
                               "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
                               "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"]}}
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=aws.settings.figures_dropped_queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))


def waiting(aws: Any) -> int:
    sqs = aws.client("sqs")
    url = sqs.get_queue_url(QueueName=aws.settings.figures_dropped_queue)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages",
                                                                        "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(n) for n in attributes["Attributes"].values())


def test_a_dropped_batch_is_read_again_from_the_stream_and_counted_once(client, aws, tenant, kindly, capsys):
    # Given two changes the stream function gave up on: Lambda reported the batch to the figures-dropped queue
    put(client, tenant, "a-1")
    put(client, tenant, "a-2", email="two@example.com")
    records = stream_records(aws)
    dropped(aws, records)
    assert json.loads(metrics(client, tenant).body)["accounts"]["total"] == 0

    # When the operator replays the dropped batches
    assert kindly(["metrics", "replay"]) == 0

    # Then both changes are counted and the batch left the queue
    assert json.loads(capsys.readouterr().out) == {"replayed": 1, "records": 2, "failed": 0, "expired": 0,
                                                   "unreadable": 0, "left": 0}
    figures = json.loads(metrics(client, tenant).body)
    assert figures["accounts"] == {"total": 2, "by_state": {"active": 2}} and waiting(aws) == 0

    # When the same batch is reported again, or its first record was counted before it was dropped
    dropped(aws, records)
    dropped(aws, records[:1])
    assert kindly(["metrics", "replay"]) == 0

    # Then nothing counts twice
    assert json.loads(capsys.readouterr().out)["replayed"] == 2
    again = json.loads(metrics(client, tenant).body)
    assert {k: v for k, v in again.items() if k != "as_of"} == {k: v for k, v in figures.items() if k != "as_of"}


def test_a_batch_that_cannot_be_replayed_stays_in_the_queue_and_changes_nothing(client, aws, tenant, kindly, capsys,
                                                                                monkeypatch):
    put(client, tenant, "a-1")
    records = stream_records(aws)
    # Given a batch whose end the stream no longer holds (applied in part, the rest of it would be lost), a message
    # that names no batch, and a batch whose record fails again
    beyond = str(int(records[-1]["dynamodb"]["SequenceNumber"]) + 1_000_000)
    dropped(aws, [records[0], {**records[0], "dynamodb": {**records[0]["dynamodb"], "SequenceNumber": beyond}}])
    dropped(aws, records, body={"DDBStreamBatchInfo": {"shardId": "x", "startSequenceNumber": "not a number"}})
    dropped(aws, records)

    def throttled(*args: Any) -> bool:
        raise RuntimeError("throttled")

    monkeypatch.setattr(type(aws.figure_store), "move", throttled)  # the command builds a container of its own

    # When the operator replays
    assert kindly(["metrics", "replay"]) == 1

    # Then each is reported, all three stay for another try, and no figure moved
    assert json.loads(capsys.readouterr().out) == {"replayed": 0, "records": 0, "failed": 1, "expired": 1,
                                                   "unreadable": 1, "left": 3}
    assert waiting(aws) == 3
    assert json.loads(metrics(client, tenant).body)["accounts"]["total"] == 0
