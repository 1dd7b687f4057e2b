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


def test_outside_lambda_the_collector_is_left_alone():
    env = {name: value for name, value in ENV.items() if name not in LAMBDA}
    seen = first_request(env)
    assert seen["held_after_import"] is False
    assert seen["frozen"] == 0


@pytest.fixture
def collector_state(monkeypatch):
    """The test process's own collector, put back as it was whatever a test does to it."""
    was_enabled = gc.isenabled()
    monkeypatch.setattr(coldstart, "_held", False)
    yield
    gc.unfreeze()
    if was_enabled:
        gc.enable()
    else:
        gc.disable()


def test_a_first_event_that_fails_still_ends_the_hold(monkeypatch, collector_state):
    for name, value in LAMBDA.items():
        monkeypatch.setenv(name, value)
    gc.enable()
    coldstart.hold_collector()
    assert not gc.isenabled()

    def failing(_event: object) -> object:
        raise RuntimeError("the handler failed")

    with pytest.raises(RuntimeError):
        coldstart.resume_after_first_event({}, failing)
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_a_collector_someone_else_turned_off_stays_off(monkeypatch, collector_state):
    for name, value in LAMBDA.items():
        monkeypatch.setenv(name, value)
    gc.disable()
    coldstart.hold_collector()
    assert coldstart.resume_after_first_event({}, lambda event: "served") == "served"
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_later_events_change_nothing(monkeypatch, collector_state):
    for name, value in LAMBDA.items():
        monkeypatch.setenv(name, value)
    gc.enable()
    coldstart.hold_collector()
    coldstart.resume_after_first_event({}, lambda event: None)
    frozen = gc.get_freeze_count()
    gc.disable()  # as if the function itself chose so later: the middleware must not undo it
    coldstart.resume_after_first_event({}, lambda event: None)
    assert not gc.isenabled()
    assert gc.get_freeze_count() == frozen
