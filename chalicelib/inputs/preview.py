"""A preview request: a stored or a hypothetical account, over how many days from when."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, model_validator

from chalicelib.inputs.accounts import AccountIn
from chalicelib.inputs.fields import Identifier, Strict


class PreviewIn(Strict):
    account_id: Identifier | None = None
    account: AccountIn | None = None
    days: Annotated[int, Field(ge=1, le=366)] = 60
    start: AwareDatetime | None = None  # default: now

    @model_validator(mode="after")
    def _one_account(self) -> PreviewIn:
        if (self.account_id is None) == (self.account is None):
            raise ValueError("give either account_id (a stored account) or account (a hypothetical one)")
        return self
