"""Every Lambda imports app.py: the heavy libraries load only in the routes and functions that use them, so the
sweep and the queue worker do not pay for input validation, a processor's SDK or email parsing at cold start."""

from __future__ import annotations

import json
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
