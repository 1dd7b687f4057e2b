"""A flag body (API.md): what parses, and each bad one naming its field."""

from __future__ import annotations

import json

import pytest

from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.parsing import parse
from tests.support.inputs import as_json, rejected

pytestmark = pytest.mark.unit


def test_a_flag_note_may_run_over_lines_but_hides_no_control_characters():
    assert parse(FlagIn, {"flag": "dispute", "active": True, "note": "Called us.\nSays it was paid."}).note
    assert rejected(FlagIn, as_json({"flag": "dispute", "active": True, "note": "a\u0000b"})).field == "note"


def test_a_flag_body_from_api_md_parses():
    parsed = parse(FlagIn, '{"flag": "hardship", "active": true, "until": "2026-12-12", "note": "lost job"}')
    assert (parsed.flag, parsed.active, parsed.until.isoformat()) == ("hardship", True, "2026-12-12")


@pytest.mark.parametrize(("body", "field"), [({"flag": "angry", "active": True}, "flag"),
                                             ({"flag": "dispute", "active": "yes"}, "active"),
                                             ({"flag": "dispute", "active": True, "by": "me"}, "by")])
def test_a_bad_flag_body_names_its_field(body, field):
    assert rejected(FlagIn, json.dumps(body)).field == field
