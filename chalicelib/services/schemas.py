"""The shapes API.md promises, checked strictly at the edge (pydantic), turned into domain objects.

Every error names its field; unknown fields are refused, never ignored.
"""

from __future__ import annotations

import json
import re
from datetime import date, time
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from chalicelib.domain.accounts import FLAGS, INVOICE_STATUSES
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.money import MAX_AMOUNT, is_currency
from chalicelib.domain.policies import FREQUENCIES
from chalicelib.domain.tenants import ROLES
from chalicelib.json_input import read_json

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"
NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# C0 and C1 control characters, and the bidirectional overrides used to disguise text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

Model = TypeVar("Model", bound=BaseModel)


class FieldError(ValueError):
    """A check across fields that still names the one to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --- field checks, each with a message a person can act on -------------------------------------

def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _printable_note(value: str) -> str:
    """Free text may run over lines; nothing else invisible."""
    if _CONTROL.search(value.replace("\n", "").replace("\t", "")):
        raise ValueError("must not contain control characters")
    return value


def _email(value: str) -> str:
    """Kept as sent on the wire: an internationalised domain in its ASCII (IDNA) form. A non-ASCII local part
    needs SMTPUTF8, which SES does not offer, so it is refused rather than mangled into an encoded word."""
    from email_validator import EmailNotValidError, validate_email

    local_part = value.rpartition("@")[0]
    if not local_part.isascii():
        raise ValueError("must have only ASCII letters, digits and punctuation before the @ (SES cannot send to"
                         " others); the domain may be internationalised")
    try:
        return validate_email(value, check_deliverability=False, allow_smtputf8=False).ascii_email
    except EmailNotValidError as exc:
        raise ValueError(f"is not a valid email address ({exc})") from exc


def _phone(value: str) -> str:
    import phonenumbers

    if not value.startswith("+"):
        raise ValueError("must be in E.164 form, starting with + and the country code")
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _timezone(value: str) -> str:
    if value not in _zones():
        raise ValueError("is not an IANA time zone name (like Europe/Madrid)")
    return value


_BCP47 = re.compile(r"^(?P<lang>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|\d{3}))?$")


def _locale(value: str) -> str:
    """A BCP 47 language tag whose language CLDR knows. A region CLDR has no data for (en-JP) is kept:
    texts and formats then follow the language."""
    from babel import Locale, UnknownLocaleError

    match = _BCP47.fullmatch(value)
    if match is None:
        raise ValueError("is not a BCP 47 locale (like es-ES)")
    lang, script, region = match["lang"].lower(), match["script"], match["region"]
    try:
        Locale.parse(lang)
    except (ValueError, UnknownLocaleError) as exc:
        raise ValueError("is not a known BCP 47 locale (like es-ES)") from exc
    if region and region.upper() not in Locale("en").territories:
        raise ValueError(f"has an unknown region {region!r} (like es-ES or es-419)")
    return "-".join(part for part in (lang, script.title() if script else None, region.upper() if region else None)
                    if part)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    from babel import Locale

    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha())


def _country(value: str) -> str:
    if value not in _countries():
        raise ValueError("is not an ISO 3166-1 alpha-2 country code (like ES)")
    return value


_REGION = re.compile(r"(?:[A-Z]{2}-)?[A-Z0-9]{1,6}")


def _region(value: str) -> str:
    if not _REGION.fullmatch(value):
        raise ValueError("must be an ISO 3166-2 subdivision, like ES-MD or just MD")
    return value


def _currency(value: str) -> str:
    if not is_currency(value):
        raise ValueError("is not an ISO 4217 currency code (like EUR)")
    return value


def _url(value: str) -> str:
    if not re.fullmatch(r"https?://[^\s]+", value):  # fullmatch: "$" would let a trailing newline through
        raise ValueError("must be an http(s) URL")
    return value


def _hhmm(value: str) -> str:
    try:
        time.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("must be a time like 09:00") from exc
    if not re.fullmatch(r"\d\d:\d\d", value):
        raise ValueError("must be a time like 09:00")
    return value


Text = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN)]
PolicyName = Annotated[str, Field(pattern=NAME_PATTERN)]
Email = Annotated[str, Field(max_length=254), AfterValidator(_email)]
Phone = Annotated[str, Field(max_length=20), AfterValidator(_phone)]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]
LocaleTag = Annotated[str, Field(max_length=35), AfterValidator(_locale)]
Country = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_country)]
Region = Annotated[str, Field(max_length=9), AfterValidator(_region)]
Currency = Annotated[str, Field(min_length=3, max_length=3), AfterValidator(_currency)]
Url = Annotated[str, Field(max_length=2048), AfterValidator(_url)]
Amount = Annotated[int, Field(ge=1, le=MAX_AMOUNT)]
ClockTime = Annotated[str, AfterValidator(_hhmm)]


# --- accounts ------------------------------------------------------------------------------------

class SmsConsentIn(Strict):
    source: Text
    at: AwareDatetime


class InvoiceIn(Strict):
    id: Identifier
    amount: Amount
    currency: Currency
    issued_on: date
    due_on: date
    status: Literal[INVOICE_STATUSES] = "open"  # type: ignore[valid-type]
    processor_invoice_id: Annotated[str, Field(max_length=200)] | None = None
    payment_url: Url | None = None

    @model_validator(mode="after")
    def _due_after_issue(self) -> InvoiceIn:
        if self.due_on < self.issued_on:
            raise FieldError("due_on", "due_on is before issued_on")
        return self


class AccountIn(Strict):
    name: Text
    email: Email | None = None
    phone: Phone | None = None
    locale: LocaleTag | None = None
    timezone: TimeZone | None = None
    country: Country | None = None
    region: Region | None = None
    sms_consent: SmsConsentIn | None = None
    policy: PolicyName = "standard"
    processor_ids: Annotated[dict[Annotated[str, Field(pattern=NAME_PATTERN)], Identifier], Field(max_length=10)] = {}
    tags: Annotated[list[Annotated[str, Field(pattern=NAME_PATTERN)]], Field(max_length=50)] = []
    invoices: Annotated[list[InvoiceIn], Field(max_length=200)] = []

    @property
    def subdivision(self) -> str | None:
        """The region as the account keeps it: the subdivision's own code (MD), whichever form was sent."""
        return self.region.rpartition("-")[2] if self.region else None

    @model_validator(mode="after")
    def _consistent(self) -> AccountIn:
        if not self.timezone and not self.country:
            raise FieldError("timezone", "give a timezone or a country, so reminders arrive at a decent local hour")
        country_of_region = (self.region or "").rpartition("-")[0]
        if country_of_region and country_of_region != self.country:
            raise FieldError("region", f"{self.region} is a subdivision of {country_of_region}, so country must be "
                                       f"{country_of_region}" + (f", not {self.country}" if self.country else ""))
        seen: set[str] = set()
        for i, invoice in enumerate(self.invoices):
            if invoice.id in seen:
                raise FieldError(f"invoices[{i}].id", f"invoice id {invoice.id!r} appears twice")
            seen.add(invoice.id)
        return self


class FlagIn(Strict):
    flag: Literal[FLAGS]  # type: ignore[valid-type]
    active: bool
    until: date | None = None
    note: Annotated[str, Field(max_length=500), AfterValidator(_printable_note)] | None = None


class PaymentDataIn(Strict):
    payment_id: Annotated[str, Field(min_length=1, max_length=256)]
    amount: Annotated[int, Field(ge=0, le=MAX_AMOUNT)]
    currency: Currency
    account_id: Identifier | None = None
    invoice_id: Identifier | None = None
    customer_id: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    processor_invoice_id: Annotated[str, Field(min_length=1, max_length=256)] | None = None
    pay_url: Url | None = None


class WebhookSecretIn(Strict):
    secret: Annotated[str, Field(min_length=8, max_length=4096), AfterValidator(_printable)]


class StandardPaymentIn(Strict):
    """The payload of a Standard Webhooks payment event (the signature scheme is the standard's; this is ours)."""

    type: Annotated[str, Field(max_length=64)]
    timestamp: AwareDatetime
    data: PaymentDataIn


# --- policies ------------------------------------------------------------------------------------

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
    frequencies: list[Literal[FREQUENCIES]] = ["weekly", "fortnightly", "monthly"]  # type: ignore[valid-type]


class SettlementIn(Strict):
    discount_percent: Annotated[int, Field(ge=0, le=50)]
    valid_days: Annotated[int, Field(ge=1, le=60)]


class SegmentIn(Strict):
    min_balance: Annotated[int, Field(ge=0, le=MAX_AMOUNT)] = 0
    tags: list[Annotated[str, Field(pattern=NAME_PATTERN)]] = []
    countries: list[Country] = []


class PolicyIn(Strict):
    steps: Annotated[list[StepIn], Field(min_length=1, max_length=20)]
    send_window: SendWindowIn = SendWindowIn()
    caps: CapsIn = CapsIn()
    plans: PlansIn = PlansIn()
    settlement: SettlementIn | None = None
    hardship_pause_days: Annotated[int, Field(ge=1, le=90)] = 30
    segment: SegmentIn = SegmentIn()


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


# --- tenants -------------------------------------------------------------------------------------

class TenantIn(Strict):
    name: Text
    sender_email: Email
    country: Country = "US"
    timezone: TimeZone = "America/New_York"
    locale: LocaleTag = "en-US"
    role: Literal[ROLES] = "first_party"  # type: ignore[valid-type]
    support_email: Email | None = None
    sms_sender_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,11}$")] | None = None


# --- parsing -------------------------------------------------------------------------------------

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
