"""Shared test set-up: every test is marked by its folder, and sample data lives here."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("unit", "aws", "integration", "browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts and parts[0] in KINDS and parts[0] != "browser":
            item.add_marker(getattr(pytest.mark, parts[0]))
