"""The API's Lambda imports app.py, each event function's its own module: the heavy libraries load only in the
routes and functions that use them, so the sweep and the queue worker do not pay for input validation, a
processor's SDK or email parsing at cold start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
LOADED_ONLY_WHEN_USED = ("pydantic", "stripe", "standardwebhooks", "email_validator", "jinja2", "phonenumbers")


def test_importing_the_app_loads_none_of_the_heavy_libraries():
    probe = f"import json, sys, app; print(json.dumps([m for m in {LOADED_ONLY_WHEN_USED!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


# What the queue worker builds before its first reminder (the Lambda imports its handler's module, then the remind
# use case is wired by the container) must not load what only other functions use: the holiday calendars (the
# sweep's hint answers for the worker, domain/holiday_hints.py), boto3 beyond botocore, every port, the sweep's
# and the SMS replies' modules, the plan and promise rules (loaded for an account that has one), and powertools'
# batch utility with asyncio (the worker reports its partial batch failures itself, routes/queues.py). The bench
# measures the whole first reminder (bench/__main__.py, first_reminder_ratio_vs_boto3).
WORKER_LOADS_NOT = ("holidays", "boto3", "s3transfer", "chalicelib.domain.ports", "chalicelib.domain.sweep_holds",
                    "chalicelib.domain.sms_replies", "chalicelib.adapters.dynamodb.sweeps",
                    "chalicelib.adapters.dynamodb.replies", "chalicelib.services.sweep", "chalicelib.services.breaker",
                    "chalicelib.domain.plans", "chalicelib.domain.promises",
                    "aws_lambda_powertools.utilities.batch", "asyncio")
WORKER_WIRING = """
import json, sys
from datetime import date
import app  # more than the worker loads (Lambda enters it at chalicelib.routes.queues), so the check is stricter
from chalicelib.bootstrap import Container
from chalicelib.config import settings
from chalicelib.domain.holiday_hints import with_hint
from chalicelib.routes.queues import process_reminder_batch
built = Container(settings())
built.remind, built.renderer.render
assert process_reminder_batch({"Records": [{"messageId": "m-0", "body": "{not json"}]}, built)[0] == {
    "batchItemFailures": [{"itemIdentifier": "m-0"}]}
hint = {"country": "GB", "region": None, "from": "2026-12-23", "to": "2027-01-01", "holidays": ["2026-12-25"]}
is_holiday = with_hint(built.holidays, hint)("GB", None)
assert [is_holiday(date.fromisoformat(day)) for day in ASKED] == [day == "2026-12-25" for day in ASKED]
print(json.dumps([m for m in WATCHED if m in sys.modules]))
"""
ENV = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing",
       "AWS_SECRET_ACCESS_KEY": "testing"}  # the caller's own, so PYTHONDONTWRITEBYTECODE holds in the probe too


def loaded_by_the_worker(watched: tuple[str, ...], asked: tuple[str, ...]) -> list[str]:
    probe = f"WATCHED = {watched!r}\nASKED = {asked!r}\n{WORKER_WIRING}"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, env=ENV)
    assert done.returncode == 0, done.stderr[-2000:]
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_the_queue_workers_wiring_loads_only_what_a_reminder_needs():
    assert loaded_by_the_worker(WORKER_LOADS_NOT, ("2026-12-24", "2026-12-25")) == []


def test_a_day_the_hint_does_not_cover_loads_the_holiday_calendars():
    """The probe above can fail: the same wiring asked about a day past the hint loads the holidays package."""
    assert loaded_by_the_worker(("holidays",), ("2026-12-25", "2027-01-04")) == ["holidays"]


# The worker's tracer, as a deployed worker builds it (X-Ray on, in Lambda): the X-Ray SDK patches botocore, through
# which every AWS call of Kindly's goes (pynamodb's too), and no other library: patching all it supports loads
# some 170 modules at the first batch for HTTP and database clients the worker never calls.
TRACER_IN_LAMBDA = """
import json, sys
from chalicelib.observability import tracer
built = tracer()
from aws_xray_sdk.core.patcher import _PATCHED_MODULES
print(json.dumps({"disabled": built.disabled, "patched": sorted(_PATCHED_MODULES),
                  "requests": "aws_xray_sdk.ext.requests.patch" in sys.modules}))
"""


def test_the_worker_traces_its_aws_calls_and_patches_nothing_else(tmp_path):
    env = {**ENV, "LAMBDA_TASK_ROOT": str(tmp_path), "AWS_LAMBDA_FUNCTION_NAME": "kindly-test-remind_worker",
           "POWERTOOLS_TRACE_DISABLED": "false"}
    done = subprocess.run([sys.executable, "-c", TRACER_IN_LAMBDA], cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"disabled": False, "patched": ["botocore"],
                                                                 "requests": False}
