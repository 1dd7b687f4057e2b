"""Browser tests: Debian's Chromium driven by Playwright, against the real local stack (chalice local over
DynamoDB Local and moto server), so a page is tested the way a debtor's phone sees it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.conftest import dynamodb_local, moto_server, repo_root  # noqa: F401 - shared fixtures
from tests.integration.test_script_end_to_end import stack  # noqa: F401 - the running API, a fixture

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser download does not work here


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()
