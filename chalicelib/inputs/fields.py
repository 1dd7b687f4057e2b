"""The field types every input shares, each checked strictly with a message a person can act on.

Every error names its field; unknown fields are refused, never ignored (Strict).
"""

from __future__ import annotations

import re
from datetime import time
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from chalicelib.domain.money import MAX_AMOUNT, is_currency
from chalicelib.inputs.ids import ID_PATTERN

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
# C0 and C1 control characters, and the bidirectional overrides used to disguise text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

class FieldError(ValueError):
    """A check across fields that still names the one to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def printable_note(value: str) -> str:
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


def email_or_nothing(value: str, field: str) -> str | None:
    """An address a person typed in a form or a command, as kept; '' (or spaces) for none. InvalidInput naming
    `field` for one that is not an address."""
    from chalicelib.domain.errors import InvalidInput

    if not value.strip():
        return None
    try:
        return _email(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{field} {exc}", field) from exc


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


Text = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(printable)]
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
