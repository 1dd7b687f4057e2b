"""Inside Lambda the garbage collector waits for the first event to be served (chalicelib/coldstart.py)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib import coldstart

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing",
       "AWS_SECRET_ACCESS_KEY": "testing"}
LAMBDA = {"LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "kindly-test-api_handler"}

# A request API Gateway could send to the API function; no route matches it, so it needs no AWS service.
FIRST_REQUEST = """
import gc, json
import app
held = not gc.isenabled()
event = {"resource": "/nowhere", "path": "/nowhere", "httpMethod": "GET", "headers": {}, "multiValueHeaders": {},
         "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
         "stageVariables": None, "body": None, "isBase64Encoded": False,
         "requestContext": {"resourcePath": "/nowhere", "httpMethod": "GET", "stage": "api"}}
status = app.app(event, None)["statusCode"]
print(json.dumps({"held_after_import": held, "status": status, "running_after_event": gc.isenabled(),
                  "frozen": gc.get_freeze_count()}))
"""


def first_request(env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", FIRST_REQUEST], cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_in_lambda_the_collector_waits_for_the_first_event_then_freezes_what_loading_left():
    seen = first_request({**ENV, **LAMBDA})
    assert seen["held_after_import"] is True
    assert seen["status"] >= 400
    assert seen["running_after_event"] is True
    assert int(str(seen["frozen"])) > 10_000  # the modules, classes and functions import created


# The queue worker as Lambda calls it: its handler string names chalicelib.routes.queues.remind_worker, so neither
# app.py nor its middleware is loaded. A record that is not JSON fails before any AWS call.
FIRST_BATCH = """
import gc, json, sys
import chalicelib.routes.queues as queues
held = not gc.isenabled()
record = {"messageId": "m1", "receiptHandle": "r1", "body": "not json", "attributes": {}, "messageAttributes": {},
          "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": "eu-west-1",
          "eventSourceARN": "arn:aws:sqs:eu-west-1:000000000000:kindly-test-reminders"}
response = queues.remind_worker({"Records": [record]}, None)
print(json.dumps({"held_after_import": held, "response": response, "running_after_event": gc.isenabled(),
                  "frozen": gc.get_freeze_count(), "app_loaded": "app" in sys.modules}))
"""


def test_the_queue_worker_called_as_lambda_calls_it_holds_the_collector_until_its_first_batch():
    env = {**ENV, **LAMBDA, "AWS_LAMBDA_FUNCTION_NAME": "kindly-test-remind_worker",
           "POWERTOOLS_TRACE_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-c", FIRST_BATCH], cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["app_loaded"] is False
    assert seen["held_after_import"] is True
    assert seen["response"] == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert seen["running_after_event"] is True
    assert seen["frozen"] > 10_000


def test_every_event_function_ends_the_hold():
    """Each function Lambda enters other than through app.py (chalice's handler strings, as deployed)."""
    import importlib

    import app

    handlers = [source.handler_string for source in app.app.event_sources]
    handlers += [function.handler_string for function in app.app.pure_lambda_functions]
    assert len(handlers) >= 6
    for handler_string in handlers:
        module, name = handler_string.rsplit(".", 1)
        assert module != "app", handler_string
        entry = getattr(importlib.import_module(module), name)
        assert getattr(entry.func, "ends_cold_start", False), f"{handler_string} lacks @ends_cold_start"


def test_outside_lambda_the_collector_is_left_alone():
    env = {name: value for name, value in ENV.items() if name not in LAMBDA}
    seen = first_request(env)
    assert seen["held_after_import"] is False
    assert seen["frozen"] == 0


@pytest.fixture
def in_lambda_collector(monkeypatch):
    """The test process's collector as a cold Lambda has it, put back as it was whatever a test does to it."""
    was_enabled = gc.isenabled()
    for name, value in LAMBDA.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(coldstart, "_held", False)
    gc.enable()
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_a_first_event_that_fails_still_ends_the_hold(in_lambda_collector):
    coldstart.hold_collector()
    assert not gc.isenabled()

    @coldstart.ends_cold_start
    def failing(event: object) -> object:
        raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        failing({})
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_a_first_request_that_fails_still_ends_the_hold(in_lambda_collector):
    coldstart.hold_collector()

    def failing(_event: object) -> object:
        raise RuntimeError("the route failed")

    with pytest.raises(RuntimeError):
        coldstart.resume_after_first_request({}, failing)
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off(in_lambda_collector):
    gc.disable()
    coldstart.hold_collector()
    assert coldstart.ends_cold_start(lambda event: "served")({}) == "served"
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_later_events_change_nothing(in_lambda_collector):
    coldstart.hold_collector()
    coldstart.resume_after_first_request({}, lambda event: None)
    frozen = gc.get_freeze_count()
    gc.disable()  # as if the function itself chose so later: no event may undo it
    coldstart.resume_after_first_request({}, lambda event: None)
    coldstart.ends_cold_start(lambda event: None)({})
    assert not gc.isenabled()
    assert gc.get_freeze_count() == frozen
