"""Reading a processor's payload: every value is checked for its type and range, and anything else is refused
with InvalidInput naming the field (a 400 the processor stops retrying), never left to fail later as a 500."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import MAX_AMOUNT, is_currency
from chalicelib.json_input import read_json

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # no event of these processors is older
FUTURE_SLACK = timedelta(days=1)
MAX_REF_LENGTH = 256  # as Standard Webhooks' payment_id: ids are stored on the account and looked up
MAX_URL_LENGTH = 2048


def json_body(body: bytes) -> Any:
    """The body as JSON, read as every request body is: bounded depth, each key once."""
    return read_json(body, "body")


def json_object(body: bytes, what: str) -> dict[str, Any]:
    payload = json_body(body)
    if not isinstance(payload, dict):
        raise InvalidInput(f"not {what}: the body must be a JSON object", "body")
    return payload


def section(parent: Mapping[str, Any], key: str, field: str, *, required: bool = False) -> dict[str, Any]:
    """A nested object. Absent or null reads as empty unless required; a list, text or number is refused."""
    value = parent.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be an object", field)
    return value


def event_type(value: Any, field: str) -> str:
    """What an event is about; any text (unused types are answered 200 and ignored), never another type."""
    if not isinstance(value, str):
        raise InvalidInput(f"{field} must be a string", field)
    return value


def ref(value: Any, field: str) -> str:
    """A processor's id for something: required text, short and printable (it is stored and looked up)."""
    found = optional_ref(value, field)
    if found is None:
        raise InvalidInput(f"{field} is required", field)
    return found


def optional_ref(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_REF_LENGTH or not value.isprintable():
        raise InvalidInput(f"{field} must be an id of at most {MAX_REF_LENGTH} printable characters", field)
    return value


def url(value: Any, field: str) -> str | None:
    """A page the debtor is sent to: an http(s) URL or nothing."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH or not re.fullmatch(r"https?://\S+", value):
        raise InvalidInput(f"{field} must be an http(s) URL", field)
    return value


def minor_units(value: Any, field: str) -> int:
    """Processors send minor units as integers or as digit strings; anything else is refused."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        if len(value.lstrip("0")) > len(str(MAX_AMOUNT)):  # also spares int() a 5,000-digit string
            raise InvalidInput(f"{field} is out of range", field)
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be an amount in minor units", field)
    if not 0 <= value <= MAX_AMOUNT:
        raise InvalidInput(f"{field} is out of range", field)
    return value


def currency(value: Any, field: str) -> str:
    code = value.upper() if isinstance(value, str) else value
    if not is_currency(code):
        raise InvalidInput(f"{field} is not an ISO 4217 currency", field)
    return str(code)


def from_epoch(value: Any, field: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field} must be a Unix time", field)
    if not EARLIEST.timestamp() <= value <= (datetime.now(UTC) + FUTURE_SLACK).timestamp():
        raise InvalidInput(f"{field} is not a plausible time for the event", field)
    return datetime.fromtimestamp(value, UTC)


def from_iso(value: Any, field: str) -> datetime:
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        instant = None
    if instant is None:
        raise InvalidInput(f"{field} must be an ISO 8601 instant", field)
    if instant.tzinfo is None:
        raise InvalidInput(f"{field} must carry an offset", field)
    return plausible(instant, field)


def plausible(instant: datetime, field: str) -> datetime:
    """An event time from after these processors existed up to a day ahead (clocks drift minutes, not days):
    a far-future time would make every genuine later event about that payment look stale."""
    try:
        utc = instant.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59-01:00 is past datetime's last day once in UTC
        utc = None
    if utc is None or not EARLIEST <= utc <= datetime.now(UTC) + FUTURE_SLACK:
        raise InvalidInput(f"{field} is not a plausible time for the event", field)
    return instant
