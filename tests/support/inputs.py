"""Helpers for tests of the edge's input models."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.inputs.parsing import parse


def as_json(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


def rejected(model, text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse(model, text)
    return caught.value
