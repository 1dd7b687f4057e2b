"""The one place that turns domain errors into HTTP answers, plus JSON helpers shared by the blueprints."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from chalice import Response

from chalicelib.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    KindlyError,
    NotFound,
    Throttled,
    TooLarge,
    Unauthenticated,
)
from chalicelib.json_input import refuse_deep_nesting, text_of

MAX_BODY_BYTES = 256 * 1024

STATUS = {InvalidInput: 400, Unauthenticated: 401, Forbidden: 403, NotFound: 404, Conflict: 409, TooLarge: 413,
          Throttled: 503}
JSON = {"Content-Type": "application/json"}


def json_response(body: Any, status: int = 200) -> Response:
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status, headers=dict(JSON))


def error_response(exc: KindlyError) -> Response:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    headers = dict(JSON)
    if isinstance(exc, Throttled):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthenticated):
        headers["WWW-Authenticate"] = 'Bearer realm="kindly"'
    error = {"code": exc.code, "message": exc.message, "field": exc.field}
    return Response(body=json.dumps({"error": error}, ensure_ascii=False), status_code=status, headers=headers)


def guarded(view: Callable[..., Response]) -> Callable[..., Response]:
    """Map every domain error to SPEC's JSON error shape; anything else is a logged 500 without details."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except KindlyError as exc:
            return error_response(exc)
        except Exception as exc:  # noqa: BLE001 - the client gets a clean 500; the log gets the type and line
            from chalicelib.observability import error_fields, logger

            logger().error("unhandled error", extra=error_fields(exc))
            body = {"error": {"code": "internal", "message": "something went wrong on our side", "field": None}}
            return Response(body=json.dumps(body), status_code=500, headers=dict(JSON))

    return wrapper


# Errors Chalice answers itself, before any view runs, renamed into the shape of every other error.
CHALICE_ERRORS = {
    "UnsupportedMediaType": ("unsupported_media_type", "send the body as JSON (Content-Type: application/json)"),
    "MethodNotAllowedError": ("method_not_allowed", "this path does not take that method; see API.md"),
}


def error_shape_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Registered in app.py for every HTTP call: keeps SPEC's {"error": {...}} shape for Chalice's own 405/415."""
    response = get_response(event)
    body = response.body
    if isinstance(body, dict) and body.get("Code") in CHALICE_ERRORS:
        code, message = CHALICE_ERRORS[body["Code"]]
        response.body = json.dumps({"error": {"code": code, "message": message, "field": None}})
        response.headers = {**(response.headers or {}), **JSON}
    return response


def body_of(request: Any) -> bytes:
    raw = request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge(f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
    if not raw.strip():
        raise InvalidInput("the body is empty; send a JSON object")
    return raw


def json_body_of(request: Any, field: str | None = None) -> bytes:
    """The raw body of a JSON request, refused at the door when it nests too deep for a parser: for bodies a
    processor's library parses before Kindly's own reader sees them."""
    raw = body_of(request)
    refuse_deep_nesting(text_of(raw, field), field)
    return raw
