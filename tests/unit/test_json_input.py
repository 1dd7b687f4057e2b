"""The one JSON body reader: depth measured on the text without recursion, a repeated key found in linear
time, and every refusal an InvalidInput."""

from __future__ import annotations

import json

import pytest

from chalicelib import json_input
from chalicelib.domain.errors import InvalidInput
from chalicelib.json_input import MAX_DEPTH, read_json


def refused(raw, field=None) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        read_json(raw, field)
    return caught.value


def test_a_body_at_the_depth_limit_is_read():
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert json.dumps(read_json(text)) == text.replace("][", "], [")


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1000, 100_000])
def test_one_level_more_is_refused_by_name_before_any_parser_recurses(levels):
    error = refused(("{\"a\": " * levels) + "1" + "}" * levels, "body")
    assert error.field == "body" and f"deeper than {MAX_DEPTH}" in error.message


@pytest.mark.parametrize("text", [
    json.dumps({"note": "[" * 1000}),  # brackets inside a string are text, not nesting
    json.dumps({"note": '\\"' + "{" * 1000}),  # an escaped quote does not end the string
    json.dumps({"note": "\\" * 5, "x": "[[[" * 300}),  # nor does an escaped backslash start one
])
def test_brackets_inside_strings_do_not_count(text):
    assert read_json(text) == json.loads(text)


def test_an_unterminated_string_full_of_escaped_quotes_is_refused_not_stalled():
    # Each quote would restart a naive string scan to the end: quadratic. This one reads the text a few times.
    error = refused('["' + '\\"' * 100_000)
    assert error.message == "the body is not valid JSON"


def test_a_repeated_key_is_named_even_deep_inside():
    error = refused('{"invoices": [{"amount": 1, "amount": 2}]}')
    assert error.field == "amount" and "more than once" in error.message


def test_finding_a_repeated_key_looks_each_key_up_once(monkeypatch):
    """Counted, not timed: a set sees each of 20,000 keys once (the old check counted through the whole list
    for every key, 400 million comparisons)."""
    lookups = []

    class CountingSet(set):
        def __contains__(self, key):
            lookups.append(key)
            return super().__contains__(key)

    monkeypatch.setattr(json_input, "set", CountingSet, raising=False)
    keys = [f"k{i}" for i in range(20_000)]
    error = refused("{" + ", ".join(f'"{key}": 0' for key in keys) + ', "k19999": 1}')
    assert error.field == "k19999"
    assert len(lookups) == len(keys) + 1


@pytest.mark.parametrize("raw", [b"\xff\xfe{}", b'{"a": "\xc3"}'])
def test_bytes_that_are_not_utf8_are_refused(raw):
    assert "not valid JSON" in refused(raw).message


@pytest.mark.parametrize("text", ["", "{", "{'a': 1}", "[1,]", "NaN garbage"])
def test_text_that_is_not_json_is_refused_naming_the_given_field(text):
    error = refused(text, "body")
    assert error.field == "body" and error.message == "the body is not valid JSON"
