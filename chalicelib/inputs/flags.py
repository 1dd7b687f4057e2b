"""A flag set or cleared on an account (dispute, hardship, ...)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from chalicelib.domain.accounts import FLAGS
from chalicelib.inputs.fields import Strict, printable_note


class FlagIn(Strict):
    flag: Literal[FLAGS]  # type: ignore[valid-type]
    active: bool
    until: date | None = None
    note: Annotated[str, Field(max_length=500), AfterValidator(printable_note)] | None = None
