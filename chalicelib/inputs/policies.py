"""A reminder policy: its steps, send window, caps, plans, settlement and segment."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from chalicelib.domain.early_heads_up import HISTORY
from chalicelib.domain.money import MAX_AMOUNT
from chalicelib.domain.policies import (
    DEFAULT_EARLY_HEADS_UP_DAYS,
    DEFAULT_GRACE_DAYS,
    DEFAULT_HEADS_UP_DAYS,
    DEFAULT_MAX_MONTHS,
    DEFAULT_OFFER_AFTER_DAYS,
    DEFAULT_PROMISE_DAYS,
    DEFAULT_WHEN_LATE_PAYMENTS,
    FREQUENCIES,
    MAX_EARLY_HEADS_UP_DAYS,
    MAX_GRACE_DAYS,
    MAX_HEADS_UP_DAYS,
    MAX_PLAN_MONTHS,
    MAX_PROMISE_DAYS,
)
from chalicelib.inputs.fields import NAME_PATTERN, ClockTime, Country, FieldError, Strict


class StepIn(Strict):
    offset_days: Annotated[int, Field(ge=-60, le=365)]
    channel: Literal["email", "sms"] | None = None
    template: Annotated[str, Field(pattern=NAME_PATTERN)] | None = None
    action: Literal["escalate"] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> StepIn:
        if self.action and (self.channel or self.template):
            raise ValueError("a step is either an action or a message (channel + template), not both")
        if not self.action and not (self.channel and self.template):
            raise ValueError("a message step needs both channel and template")
        return self


class SendWindowIn(Strict):
    start: ClockTime = "09:00"
    end: ClockTime = "19:00"
    weekdays: Annotated[list[Annotated[int, Field(ge=0, le=6)]], Field(min_length=1, max_length=7)] = [
        0, 1, 2, 3, 4, 5]


class CapsIn(Strict):
    email_per_7d: Annotated[int, Field(ge=0)] = 3
    sms_per_7d: Annotated[int, Field(ge=0)] = 2
    per_day: Annotated[int, Field(ge=1)] = 1


class PlansIn(Strict):
    max_instalments: Annotated[int, Field(ge=1, le=24)] = 6
    min_instalment: Annotated[int, Field(ge=0, le=MAX_AMOUNT)] = 1000
    # An empty list is how a policy says it offers no plans (then no step may send plan_offer).
    frequencies: list[Literal[FREQUENCIES]] = ["weekly", "fortnightly", "monthly"]  # type: ignore[valid-type]
    max_months: Annotated[int, Field(ge=1, le=MAX_PLAN_MONTHS)] = DEFAULT_MAX_MONTHS
    grace_days: Annotated[int, Field(ge=0, le=MAX_GRACE_DAYS)] = DEFAULT_GRACE_DAYS
    heads_up_days: Annotated[int, Field(ge=1, le=MAX_HEADS_UP_DAYS)] = DEFAULT_HEADS_UP_DAYS


class SettlementIn(Strict):
    discount_percent: Annotated[int, Field(ge=0, le=50)]
    valid_days: Annotated[int, Field(ge=1, le=60)]
    offer_after_days: Annotated[int, Field(ge=0, le=365)] = DEFAULT_OFFER_AFTER_DAYS


class PromiseIn(Strict):
    max_days: Annotated[int, Field(ge=1, le=MAX_PROMISE_DAYS)] = DEFAULT_PROMISE_DAYS


class SegmentIn(Strict):
    # Set, the policy is chosen for accounts that name no policy and match (lower priority is tried first).
    priority: Annotated[int, Field(ge=0, le=1000)] | None = None
    min_balance: Annotated[int, Field(ge=0, le=MAX_AMOUNT)] = 0
    max_balance: Annotated[int, Field(ge=1, le=MAX_AMOUNT)] | None = None  # exclusive
    tags: Annotated[list[Annotated[str, Field(pattern=NAME_PATTERN)]], Field(max_length=50)] = []
    countries: Annotated[list[Country], Field(max_length=250)] = []

    @model_validator(mode="after")
    def _range(self) -> SegmentIn:
        if self.max_balance is not None and self.max_balance <= self.min_balance:
            raise FieldError("max_balance", "max_balance must be above min_balance")
        return self


class EarlyHeadsUpIn(Strict):
    """Heads-ups by payment history (domain/early_heads_up.py); left out, the steps apply as written."""

    days_before: Annotated[int, Field(ge=1, le=MAX_EARLY_HEADS_UP_DAYS)] = DEFAULT_EARLY_HEADS_UP_DAYS
    when_late_payments: Annotated[int, Field(ge=1, le=HISTORY)] = DEFAULT_WHEN_LATE_PAYMENTS


class PolicyIn(Strict):
    steps: Annotated[list[StepIn], Field(min_length=1, max_length=20)]
    send_window: SendWindowIn = SendWindowIn()
    caps: CapsIn = CapsIn()
    plans: PlansIn = PlansIn()
    settlement: SettlementIn | None = None
    promise: PromiseIn = PromiseIn()
    hardship_pause_days: Annotated[int, Field(ge=1, le=90)] = 30
    segment: SegmentIn = SegmentIn()
    require_approval_first_run: bool = False
    early_heads_up: EarlyHeadsUpIn | None = None
