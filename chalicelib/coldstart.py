"""Inside Lambda, CPython's collector waits until the function has served its first event.

A cold queue worker loads some 600 modules before its first reminder is out. Each allocation counts towards the
collector's next pass, and the oldest generation's passes walk every object loaded so far, so the cost grows
faster than the heap: about 15 % of the worker's cold load went on passes that found next to nothing, since
modules, classes and clients live as long as the process. app.py holds the collector before its first import;
once the first event has been served, what the load left is frozen (kept out of every later pass) and the
collector resumes. Outside Lambda (chalice local, the CLI, tests) nothing changes.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from chalicelib.config import in_lambda

_held = False


def hold_collector() -> None:
    global _held
    if in_lambda() and gc.isenabled():
        gc.disable()
        _held = True


def resume_collector() -> None:
    """Reference counting freed what it could while held; only cycles waited, for one event at most."""
    global _held
    if _held:
        _held = False
        gc.freeze()
        gc.enable()


def resume_after_first_event(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """Chalice middleware for every kind of event, HTTP included: the first one served ends the hold."""
    try:
        return get_response(event)
    finally:
        resume_collector()
