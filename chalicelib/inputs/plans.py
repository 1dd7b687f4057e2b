"""The debtor's and the tenant's requests for a payment plan and a promise to pay (API.md), read strictly.

Only the shape is checked here; whether the request fits the account and its policy is the domain's call
(domain/plans.py, domain/promises.py).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from chalicelib.domain.money import MAX_AMOUNT
from chalicelib.domain.plans import PlanRequest
from chalicelib.domain.policies import FREQUENCIES
from chalicelib.inputs.fields import Currency, Strict


class PlanRequestIn(Strict):
    frequency: Literal[FREQUENCIES]  # type: ignore[valid-type]
    instalments: Annotated[int, Field(ge=1, le=100)]
    first_on: date
    currency: Currency | None = None

    def to_domain(self) -> PlanRequest:
        return PlanRequest(self.frequency, self.instalments, self.first_on, self.currency)


class PromiseIn(Strict):
    amount: Annotated[int, Field(gt=0, le=MAX_AMOUNT)]
    currency: Currency
    by: date
