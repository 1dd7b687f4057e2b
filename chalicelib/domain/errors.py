"""Domain errors. One place (routes/errors.py) maps them to HTTP."""

from __future__ import annotations


class KindlyError(Exception):
    code = "error"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(KindlyError):
    code = "invalid"


class Unauthenticated(KindlyError):
    code = "unauthenticated"


class Forbidden(KindlyError):
    """Signed in, but this person's role may not do this."""

    code = "forbidden"


class NotFound(KindlyError):
    code = "not_found"


class Conflict(KindlyError):
    code = "conflict"


class TooLarge(KindlyError):
    code = "too_large"


class Throttled(KindlyError):
    """A downstream service asked us to slow down; the caller may retry after `retry_after` seconds."""

    code = "throttled"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(Exception):
    """The provider refused this message for good (bad address, unverified sender...): do not retry."""


SMS_OPTED_OUT = "sms_opted_out"


class OptedOut(PermanentSendError):
    """The number is on the SMS provider's opt-out list: this message is refused for good, and the account stops
    getting SMS (domain/sms_consent) instead of failing the same way at every later step."""

    def __init__(self) -> None:
        super().__init__(SMS_OPTED_OUT)
