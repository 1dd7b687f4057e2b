"""A server the local stack started, and how to stop a child process so that none is ever left behind."""

from __future__ import annotations

import atexit
import shutil
import subprocess  # noqa: S404 - stops the servers we started
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STOP_GRACE_SECONDS = 5.0


@dataclass
class LocalServer:
    name: str
    url: str
    stop: Callable[[], None]


def child_stopper(process: subprocess.Popen[Any], workdir: Path | None = None) -> Callable[[], None]:
    """A stop() for a child server: terminate, kill after a grace period, tidy up; safe to call twice, and
    registered at exit so no child (a JVM, say) is ever left behind."""
    lock = threading.Lock()

    def stop() -> None:
        with lock:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=STOP_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=STOP_GRACE_SECONDS)
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)
        atexit.unregister(stop)

    atexit.register(stop)
    return stop
