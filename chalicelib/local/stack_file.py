"""The file a running `kindly local up` writes, so that `kindly` in another terminal finds its stand-ins."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_stack_file(path: Path, environment: dict[str, str], api: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "environment": environment, "api": api}, indent=2))


def running_stack(path: Path) -> dict[str, Any] | None:
    """What the stack wrote (pid, environment, api) while its process lives; None when no stack runs, in
    which case a file left by a stack that was killed outright is removed."""
    try:
        stack = json.loads(path.read_text() or "{}")
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        stack = {}
    if not isinstance(stack, dict) or not process_alive(int(stack.get("pid") or 0)):
        path.unlink(missing_ok=True)
        return None
    return stack


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return pid > 0
