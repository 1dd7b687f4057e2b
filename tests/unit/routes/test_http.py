"""An API route that fails unexpectedly answers a plain 500 and logs the error's type and line, never its
message, which can quote what the caller sent."""

from __future__ import annotations

import json
import logging

from chalicelib.routes.http import guarded

ADDRESS = "ana@example.com"


def test_an_api_route_that_fails_answers_a_plain_500_and_logs_no_personal_data(caplog):
    caplog.set_level(logging.INFO, logger="kindly")

    @guarded
    def view():
        raise RuntimeError(f"could not parse {ADDRESS}")

    answer = view()

    assert answer.status_code == 500 and ADDRESS not in answer.body
    [line] = [r for r in caplog.records if r.name == "kindly" and r.getMessage() == "unhandled error"]
    assert line.error_type == "RuntimeError" and line.error_at.endswith("in view")
    assert ADDRESS not in json.dumps(vars(line), default=str)
    assert line.exc_info is None  # a traceback would repeat the message
