"""What a reminder says and to whom: the input and output of rendering, and message identity."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from msgspec import Struct, field

from .finance_events import finance_event
from .offers import Offers

EMAIL = "email"
SMS = "sms"
CHANNELS = (EMAIL, SMS)

# Message statuses (SPEC: pending / sent / withheld(reason) / failed / bounced / complained / ...).
PENDING = "pending"
SENT = "sent"
FAILED = "failed"
RETRY = "retry"  # handed back after a provider hiccup; may be claimed again

# A send that fails for a passing reason (throttling, a network error) is tried again, each wait three times
# the last and never more than six hours; the sixth failure is final. A provider that keeps refusing costs a
# bounded number of tries and audit events (about nine hours of them), not one every few minutes forever.
FIRST_RETRY_AFTER = timedelta(minutes=5)
LONGEST_RETRY_AFTER = timedelta(hours=6)
MAX_SEND_ATTEMPTS = 6


class MessageTooLong(ValueError):
    """The rendered SMS would take more than two segments (split, costly and often garbled on phones)."""


class InvoiceLine(Struct, frozen=True):
    invoice_id: str
    amount: int  # minor units
    currency: str  # ISO 4217
    due_on: date
    payment_url: str | None = None


class InstalmentLine(Struct, frozen=True):
    """One row of the debtor's payment plan, as a message shows it."""

    n: int
    due_on: date
    amount: int  # minor units
    currency: str  # ISO 4217
    paid: int = 0
    status: str = "due"  # "due" | "paid" | "missed"


class SettlementTerms(Struct, frozen=True):
    """A settlement offer, as a message shows it: pay `amount` by `valid_until` and the balance is settled."""

    amount: int  # minor units
    currency: str
    valid_until: date
    accepted_at: datetime | None = None


class PromiseTerms(Struct, frozen=True):
    """A promise to pay, as a message names it: `amount` by `by` (the debtor's own words, kept or not)."""

    amount: int  # minor units
    currency: str
    by: date


def promise_terms(promise: Any) -> PromiseTerms | None:
    """A promise ({amount, currency, by}, as a mapping or object) for a message."""
    if promise is None:
        return None
    return PromiseTerms(int(_read(promise, "amount")), str(_read(promise, "currency")), _as_date(_read(promise, "by")))


def _read(row: Any, name: str, default: Any = None) -> Any:
    return row.get(name, default) if isinstance(row, Mapping) else getattr(row, name, default)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def instalment_lines(rows: Iterable[Any], currency: str) -> tuple[InstalmentLine, ...]:
    """A plan's instalments ({n, due_on, amount, paid, status}, as mappings or objects) as message rows."""
    return tuple(
        InstalmentLine(int(_read(r, "n")), _as_date(_read(r, "due_on")), int(_read(r, "amount")), currency,
                       int(_read(r, "paid", 0) or 0), str(_read(r, "status", "due")))
        for r in rows
    )


def next_instalment(lines: Iterable[InstalmentLine]) -> InstalmentLine | None:
    """The earliest instalment not yet paid in full (payments pay the earliest unpaid instalment first)."""
    return next((line for line in lines if line.status != "paid"), None)


def settlement_terms(offer: Any) -> SettlementTerms | None:
    """A settlement offer ({amount, currency, valid_until, accepted_at}, as a mapping or object) for a message."""
    if offer is None:
        return None
    return SettlementTerms(int(_read(offer, "amount")), str(_read(offer, "currency")),
                           _as_date(_read(offer, "valid_until")), _read(offer, "accepted_at"))


class MessageContext(Struct, frozen=True):
    """Everything a template may use. No template reads anything else."""

    template: str  # e.g. "gentle_reminder"
    channel: str  # "email" | "sms"
    locale: str  # BCP 47 as stored on the account, e.g. "es-ES"
    tenant_name: str  # the brand the debtor knows (the tenant's display name, else its legal name)
    tenant_role: str  # "first_party" | "third_party"
    support_email: str | None
    debtor_name: str
    balances: tuple[tuple[int, str], ...]  # (minor units, currency) per currency with a positive balance
    invoices: tuple[InvoiceLine, ...]
    due_on: date  # the due date the reminder schedule is anchored on
    portal_url: str  # signed self-service link
    unsubscribe_url: str  # signed one-click unsubscribe link
    timezone: str = "UTC"
    legal_name: str | None = None  # the tenant's legal name, only when the brand differs: said in every footer
    # What the account can be offered and what it has taken (issue 9). The defaults offer nothing, so a message
    # built without them never promises a plan or a settlement (see domain.offers and wording.lint_message).
    plan_possible: bool = False  # domain.offers.plan_possible for this account and its policy
    instalments: tuple[InstalmentLine, ...] = ()  # the debtor's current (or just ended) plan
    plan_active: bool = False  # while a plan runs, the debtor is asked for instalments, not whole invoices
    next_instalment: InstalmentLine | None = None
    settlement: SettlementTerms | None = None  # the standing (or just accepted) settlement offer
    promise: PromiseTerms | None = None  # the debtor's latest promise to pay (promise_missed names it)

    @property
    def offers(self) -> Offers:
        """What this message may talk about: a plan when one is possible or exists, a settlement when offered."""
        return Offers(plan=self.plan_possible or bool(self.instalments), settlement=self.settlement is not None)


class Attachment(Struct, frozen=True):
    """A file sent with an email (the plan's calendar)."""

    filename: str
    content_type: str  # e.g. "text/calendar"
    data: bytes


class RenderedMessage(Struct, frozen=True):
    text: str
    subject: str | None = None  # email only
    html: str | None = None  # email only
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()  # email only


def message_id(tenant_id: str, account_id: str, cycle: str, step_key: str) -> str:
    """Deterministic id: the same (account, step, cycle) always names the same message, so it is sent once."""
    raw = "\x1f".join((tenant_id, account_id, cycle, step_key)).encode()
    return "msg_" + hashlib.sha256(raw).hexdigest()[:32]


def account_tag(account_id: str) -> str:
    """The account id as an SES message tag value, which allows only letters, digits, _ and -: lower-case
    base32 without padding (our ids may hold . : @), so delivery events can name their account."""
    return base64.b32encode(account_id.encode()).decode().rstrip("=").lower()


def account_from_tag(tag: str) -> str | None:
    try:
        raw = base64.b32decode(tag.upper() + "=" * (-len(tag) % 8))
        return raw.decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def retry_after(attempts: int) -> timedelta | None:
    """How long to wait after the `attempts`-th failed try of a message; None once its tries are spent."""
    if attempts >= MAX_SEND_ATTEMPTS:
        return None
    growth: int = 3 ** (max(attempts, 1) - 1)  # typeshed types int ** int as Any (a negative power is a float)
    return min(FIRST_RETRY_AFTER * growth, LONGEST_RETRY_AFTER)


def delivery_problem(tenant_id: str, account_id: str, at: datetime, channel: str, problem: str, *, about: str,
                     **details: Any) -> dict[str, Any]:
    """The finance event for a message that did not reach the debtor (bounced, complained, failed): ids, the
    channel and codes only, never an address or a name."""
    return finance_event("delivery_problem", tenant_id, account_id, at, about=f"{about}:{problem}",
                         channel=channel, problem=problem, **details)
