"""A new tenant: who sends, from where, in which language, and as whose creditor."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from chalicelib.domain.closures import MAX_EXCLUDED_DAYS
from chalicelib.domain.tenants import MIN_CONTRAST, ROLES, contrast_ratio
from chalicelib.inputs.fields import Country, Email, LocaleTag, Strict, Text, TimeZone


def _https(value: str) -> str:
    if not re.fullmatch(r"https://[^\s/?#]+(/[^\s]*)?", value):
        raise ValueError("must be an https URL (the debtor's page loads nothing over plain http)")
    return value


def _readable_accent(value: str) -> str:
    color = value.lower()
    if not re.fullmatch(r"#[0-9a-f]{6}", color):
        raise ValueError("must be a colour written #rrggbb")
    ratio = contrast_ratio(color, "#ffffff")
    if ratio < MIN_CONTRAST:
        raise ValueError(f"is too light to carry white text ({ratio:.1f}:1, at least {MIN_CONTRAST}:1 is needed); "
                         "choose a darker shade")
    return color


HttpsUrl = Annotated[str, Field(max_length=2048), AfterValidator(_https)]
AccentColor = Annotated[str, Field(max_length=7), AfterValidator(_readable_accent)]


class TenantIn(Strict):
    name: Text
    sender_email: Email
    country: Country = "US"
    timezone: TimeZone = "America/New_York"
    locale: LocaleTag = "en-US"
    role: Literal[ROLES] = "first_party"  # type: ignore[valid-type]
    support_email: Email | None = None
    reply_to: Email | None = None
    sms_sender_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,11}$")] | None = None
    display_name: Text | None = None
    logo_url: HttpsUrl | None = None
    accent_color: AccentColor | None = None


class ExcludedDaysIn(Strict):
    """The days the tenant is closed (the whole list: it replaces the one stored; [] clears it)."""

    excluded_days: Annotated[list[date], Field(max_length=MAX_EXCLUDED_DAYS)]

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted(set(self.excluded_days)))
