"""The bench's marginal cost of a library: the rest of the worker's modules loaded first, then the library timed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import marginal

ROOT = Path(__file__).resolve().parents[3]


def test_each_group_the_worker_loads_is_timed_and_the_others_are_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(marginal, "GROUPS", {"fractions": ("fractions",), "never_loaded": ("tomllib",)})
    # statistics needs fractions at import: it is left out of the others, not a failure
    found = marginal.marginal_ms(["json", "fractions", "statistics"], dict(os.environ), ROOT, repeats=1)
    assert set(found) == {"fractions"}
    assert found["fractions"] > 0


def test_a_group_that_cannot_be_imported_fails_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(marginal, "GROUPS", {"missing": ("kindly_no_such_module",)})
    with pytest.raises(Exception, match="returned non-zero exit status"):
        marginal.marginal_ms(["json", "kindly_no_such_module"], dict(os.environ), ROOT, repeats=1)
