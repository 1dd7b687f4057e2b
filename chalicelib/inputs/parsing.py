"""Reading an input: JSON text or an already-decoded object, validated by its model, with the first problem
raised as InvalidInput naming its field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.domain.errors import InvalidInput
from chalicelib.inputs.fields import FieldError
from chalicelib.json_input import read_json

Model = TypeVar("Model", bound=BaseModel)


def _field_path(loc: tuple[Any, ...]) -> str | None:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in ("function-after", "__root__") and not str(part).startswith(("function-", "literal[")):
            path += f".{part}" if path else str(part)
    return path or None


def _message(error: dict[str, Any], field: str | None) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return f"unknown field {field!r}"
    if kind == "missing":
        return f"{field} is required"
    if kind == "json_invalid":
        return "the body is not valid JSON"
    text = str(error["msg"]).removeprefix("Value error, ")
    return f"{field}: {text}" if field else text


def parse(model: type[Model], data: str | bytes | dict[str, Any]) -> Model:
    """Validate JSON text or an already-decoded object; raise InvalidInput naming the first bad field."""
    if not isinstance(data, dict):
        read_json(data)  # not JSON, too deep, a key twice: refused before pydantic reads it
    try:
        # Always through JSON mode, so a dict from a CSV row or a file obeys exactly the API's rules.
        text = json.dumps(data) if isinstance(data, dict) else data
        return model.model_validate_json(text)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = _field_path(tuple(error["loc"]))
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            field = f"{field}.{cause.field}" if field else cause.field
            raise InvalidInput(f"{field}: {cause}", field) from exc
        raise InvalidInput(_message(error, field), field) from exc
