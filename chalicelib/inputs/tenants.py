"""A new tenant: who sends, from where, in which language, and as whose creditor."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chalicelib.domain.tenants import ROLES
from chalicelib.inputs.fields import Country, Email, LocaleTag, Strict, Text, TimeZone


class TenantIn(Strict):
    name: Text
    sender_email: Email
    country: Country = "US"
    timezone: TimeZone = "America/New_York"
    locale: LocaleTag = "en-US"
    role: Literal[ROLES] = "first_party"  # type: ignore[valid-type]
    support_email: Email | None = None
    sms_sender_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,11}$")] | None = None
