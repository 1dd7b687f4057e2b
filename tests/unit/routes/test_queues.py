"""A reminder the worker could not process goes back to SQS and leaves one log line saying whose and why,
without the personal data an error message can quote."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

from chalicelib.routes.queues import process_reminder_batch
from chalicelib.services.remind import Outcome

ADDRESS = "ana@example.com"
PHONE = "+34600123456"


class FailsForOneAccount:
    """The remind use case, failing for `acct-bad` the way a provider error quoting its input would."""

    def process(self, tenant_id, account_id, snapshot=None, holidays=None):
        if account_id == "acct-bad":
            raise RuntimeError(f"could not deliver to {ADDRESS} / {PHONE}")
        return Outcome("sent", channel="email", template="gentle_reminder")


def records(*bodies):
    return {"Records": [
        {"messageId": f"m-{i}", "receiptHandle": f"r-{i}", "body": body if isinstance(body, str) else json.dumps(body),
         "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
         "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:reminders", "awsRegion": "us-east-1"}
        for i, body in enumerate(bodies)
    ]}


def failures(caplog):
    return [r for r in caplog.records if r.name == "kindly" and r.getMessage() == "reminder failed"]


def test_a_failing_record_logs_its_account_and_error_type_without_personal_data(caplog):
    caplog.set_level(logging.INFO, logger="kindly")
    app = SimpleNamespace(remind=FailsForOneAccount())
    event = records({"tenant_id": "t-1", "account_id": "acct-ok"}, {"tenant_id": "t-1", "account_id": "acct-bad"})

    response, outcomes = process_reminder_batch(event, app)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert [o.kind for o in outcomes] == ["sent"]
    [line] = failures(caplog)
    assert line.levelno == logging.ERROR
    assert (line.tenant_id, line.account_id, line.sqs_message_id) == ("t-1", "acct-bad", "m-1")
    assert line.error_type == "RuntimeError"
    assert line.error_at.startswith("test_queues.py:") and line.error_at.endswith("in process")
    everything = json.dumps(vars(line), default=str)
    assert ADDRESS not in everything and PHONE not in everything
    assert line.exc_info is None  # a traceback would repeat the message


def test_an_unreadable_record_still_logs_what_it_can(caplog):
    caplog.set_level(logging.INFO, logger="kindly")
    app = SimpleNamespace(remind=FailsForOneAccount())

    response, _ = process_reminder_batch(records("{not json", "[1, 2]"), app)

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-0"}, {"itemIdentifier": "m-1"}]}
    lines = failures(caplog)
    assert [(r.tenant_id, r.account_id, r.error_type) for r in lines] == [
        (None, None, "JSONDecodeError"), (None, None, "TypeError")]

