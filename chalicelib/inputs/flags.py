"""A flag set or cleared on an account (dispute, hardship, ...); a dispute may name one invoice."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from chalicelib.domain.accounts import DISPUTE, FLAGS
from chalicelib.inputs.fields import FieldError, Identifier, Strict, printable_note


class FlagIn(Strict):
    flag: Literal[FLAGS]  # type: ignore[valid-type]
    active: bool
    until: date | None = None
    note: Annotated[str, Field(max_length=500), AfterValidator(printable_note)] | None = None
    invoice_id: Identifier | None = None  # with `dispute`: only that invoice is held

    @model_validator(mode="after")
    def _one_invoice_only_for_a_dispute(self) -> FlagIn:
        if self.invoice_id is None:
            return self
        if self.flag != DISPUTE:
            raise FieldError("invoice_id", f"only a dispute can name one invoice; {self.flag} holds the whole account")
        if self.until is not None:
            raise FieldError("until", "a dispute of one invoice holds until it is lifted; leave out until")
        return self
