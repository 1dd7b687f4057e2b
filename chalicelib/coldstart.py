"""Inside Lambda, CPython's collector waits until the function has served its first event.

A cold queue worker loads some 580 modules before its first reminder is out. Each allocation counts towards the
collector's next pass, and the oldest generation's passes walk every object loaded so far, so the cost grows
faster than the heap: about 8 % of the worker's cold load (13 ms in the bench, README) went on passes that found
next to nothing, since modules, classes and clients live as long as the process. The collector is held when the
chalicelib package is first imported; once the first event has been served, what the load left is frozen (kept
out of every later pass) and the collector resumes. Outside Lambda (chalice local, the CLI, tests) nothing changes.

Two ways out of the hold, because Lambda enters Kindly two ways: the API through app.py (a Chalice middleware),
each event function through its own module (chalice's handler string for a blueprint's function names the
function's module, so app.py and its middleware are not loaded there): those carry @ends_cold_start.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from chalicelib.config import in_lambda

_held = False

Handler = TypeVar("Handler", bound=Callable[..., Any])


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


def ends_cold_start(handler: Handler) -> Handler:
    """For an event function, under its blueprint's decorator: the first event it serves, failed or not, ends the
    hold."""

    @wraps(handler)
    def served(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        finally:
            resume_collector()

    served.ends_cold_start = True  # type: ignore[attr-defined]
    return served  # type: ignore[return-value]


def resume_after_first_request(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """The API's Chalice middleware: the first request served, answered or failed, ends the hold."""
    try:
        return get_response(event)
    finally:
        resume_collector()
