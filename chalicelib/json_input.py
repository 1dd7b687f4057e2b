"""The one reader for JSON request bodies: it refuses, as InvalidInput, what would otherwise crash or stall
the parser, before any parser runs.

- Nesting deeper than MAX_DEPTH: Python's json module and the processors' libraries recurse once per level,
  so a 2 KB body of 1,000 brackets is a RecursionError. The depth is measured on the text, without recursion.
- A key twice in one object: parsers keep the last one silently; an integration that sends both has a bug
  we must show. Found with a set, so 20,000 keys cost 20,000 look-ups.
"""

from __future__ import annotations

import json
import re
from typing import Any

from chalicelib.domain.errors import InvalidInput

MAX_DEPTH = 64  # Kindly's own bodies nest 4 levels; processors' events fewer than 15

_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_BRACKETS = re.compile(r"[\[\]{}]")


def text_of(raw: str | bytes, field: str | None = None) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the body is not valid JSON (it must be UTF-8)", field) from exc


def refuse_deep_nesting(text: str, field: str | None = None) -> None:
    """Count the brackets outside strings. Escapes go first, so a quote inside a string cannot end it; each
    pattern is free of nested repetition, so the whole scan stays linear in the length of the text."""
    outside_strings = _STRING.sub("", _ESCAPE.sub("", text))
    depth = 0
    for bracket in _BRACKETS.findall(outside_strings):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            raise InvalidInput(f"the body nests deeper than {MAX_DEPTH} levels", field)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def read_json(raw: str | bytes, field: str | None = None) -> Any:
    """The decoded body; InvalidInput when it is not JSON, nests too deep or repeats a key. `field` is what a
    refusal of the whole body names (None for the API's bodies, "body" for a processor's)."""
    text = text_of(raw, field)
    refuse_deep_nesting(text, field)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise InvalidInput(f"the field {exc.key!r} appears more than once in the body", exc.key) from exc
    except (ValueError, RecursionError) as exc:
        raise InvalidInput("the body is not valid JSON", field) from exc
