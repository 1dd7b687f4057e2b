"""An account: one customer of a tenant, its invoices, flags, contact state and reminder progress."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field
from msgspec.structs import replace

from . import ledger  # the module behind the balance and line methods (not the field Account.ledger, its sums)
from .audit import AuditEvent, ChainHead, chain_event
from .engagement import Signal
from .errors import NotFound
from .payments import LedgerSums, Payment, PaymentEvent, account_ref_key, customer_ref_key, invoice_ref_key
from .tallies import add_tallies, tally_keys
from .times import iso

if TYPE_CHECKING:  # plans, promises and settlement read accounts; accounts only carry them
    from .plans import Plan
    from .promises import Promise
    from .settlement import SettlementOffer

VULNERABLE = "vulnerable"  # not a pause: the account is handed to a person
DISPUTE = "dispute"  # "I don't owe this": of the whole account, or of one invoice (Account.invoice_disputes)
FLAGS = (DISPUTE, "hardship", "breathing_space", "cease_contact", "bankruptcy", "deceased", VULNERABLE)

OPEN = "open"
INVOICE_STATUSES = (OPEN, "paid", "void")

# Account states.
ACTIVE = "active"  # reminders scheduled
PAUSED = "paused"  # a flag holds every message
SETTLED = "settled"  # nothing owed
ESCALATED = "escalated"  # handed to a person
HELD = "held"  # money went back (refund, chargeback): nothing automatic until a person resumes the account
COMPLETED = "completed"  # every step of the policy has run

EMAIL_SUPPRESSIONS = ("bounced", "complained", "unsubscribed")


class Invoice(Struct, frozen=True):
    invoice_id: str
    amount: int
    currency: str
    issued_on: date
    due_on: date
    status: str = OPEN
    processor_invoice_id: str | None = None
    payment_url: str | None = None

    @property
    def is_open(self) -> bool:
        """Owed, as the billing system says (payments on the ledger may cover it all the same)."""
        return self.status == OPEN

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.invoice_id,
            "amount": self.amount,
            "currency": self.currency,
            "issued_on": self.issued_on.isoformat(),
            "due_on": self.due_on.isoformat(),
            "status": self.status,
            "processor_invoice_id": self.processor_invoice_id,
            "payment_url": self.payment_url,
        }


class Flag(Struct, frozen=True):
    name: str
    active: bool
    since: datetime
    until: date | None = None
    note: str | None = None
    set_by: str | None = None  # the actor: an API key, or the debtor on their page

    def holds_at(self, local_day: date) -> bool:
        return self.active and (self.until is None or local_day < self.until)


class SmsConsent(Struct, frozen=True):
    source: str
    at: datetime


class SentRecord(Struct, frozen=True):
    """A message recently sent, kept on the account so the caps need no extra read."""

    at: datetime
    channel: str
    message_id: str


class PendingThanks(Struct, frozen=True):
    """A payment to thank the debtor for, not before `not_before` (quiet hours move it on)."""

    payment: str  # "<provider>:<payment_ref>:<event_id>" of the money that came, naming the thank-you once
    not_before: datetime


class Account(Struct):
    tenant_id: str
    account_id: str
    name: str
    locale: str
    policy: str | None  # None: the first policy whose segment matches applies (domain/segments.py)
    email: str | None = None
    phone: str | None = None
    timezone: str | None = None
    country: str | None = None
    region: str | None = None
    sms_consent: SmsConsent | None = None
    processor_ids: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    flags: dict[str, Flag] = field(default_factory=dict)
    email_suppressed: str | None = None  # bounced / complained / unsubscribed
    sms_opted_out: bool = False
    preferred_locale: str | None = None  # the language the debtor chose on their page; wins over `locale`
    self_paused_at: datetime | None = None  # the last pause the debtor took on their page
    preferred_hours: tuple[time, time] | None = None  # local [start, end) the debtor chose on their page
    awaiting_reply_until: datetime | None = None  # the debtor texted: reminders wait for a person (sms_replies)
    cycle: str | None = None  # which overdue episode the policy steps count from
    last_step: int = -1  # index of the last policy step handled in this cycle
    last_step_key: str | None = None  # that step's key, so editing the policy cannot shift the progress
    state: str = ACTIVE
    hold_reason: str | None = None  # why the account is HELD (refund / chargeback)
    # The ledger's recent lines, oldest first (payments.recent_window: bounded); every line lives in the payments
    # collection, and `ledger` sums them all, so the item stays small however many payments the account sees.
    # `ledger` None: every line is here (an item stored before the collection, or an account built so); the
    # sums are taken from them, and the next save moves them out (take_ledger_out).
    payments: list[Payment] = field(default_factory=list)
    ledger: LedgerSums | None = None
    # When each invoice was paid in full, kept as its line is recorded (ledger.paid_in_full_at): the line may
    # leave the recent ones, and the early heads-up reads how the last invoices were paid.
    paid_in_full: dict[str, datetime] = field(default_factory=dict)
    pending_thanks: PendingThanks | None = None
    plan: Plan | None = None  # the payment plan agreed (active, or how the last one ended)
    earlier_plans_paid: dict[str, int] = field(default_factory=dict)  # per currency, what replaced plans collected
    promise: Promise | None = None  # the last promise to pay
    settlement_offer: SettlementOffer | None = None  # the standing (or accepted) offer to settle for less
    # Disputes that name one invoice (invoice id -> the dispute): that invoice is held, the others go on.
    invoice_disputes: dict[str, Flag] = field(default_factory=dict)
    # The one-off plan, promise and settlement notices already sent (or spent): notice key -> identity of what it
    # was about (a plan's created_at, an offer's last day), so each is sent once per plan or offer (arrangements.py).
    plan_notices: dict[str, str] = field(default_factory=dict)
    next_action_at: datetime | None = None
    recent_sends: list[SentRecord] = field(default_factory=list)
    engagement: list[Signal] = field(default_factory=list)  # the last moments the debtor read or acted (engagement.py)
    tallies: dict[str, int] = field(default_factory=dict)  # running counts for the finance figures (tallies.py)
    audit_head: ChainHead = field(default_factory=ChainHead)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int | None = None  # optimistic lock, owned by the repository
    pending_events: list[AuditEvent] = field(default_factory=list)
    # Ledger lines the repository writes to the payments collection with the account (one transaction), and which
    # of them are believed new: written only if the collection has no such line (else the line is read, and
    # the event applied again).
    unsaved_lines: list[Payment] = field(default_factory=list)
    new_line_keys: set[tuple[str, str, str]] = field(default_factory=set)

    # --- what the account owes: its ledger (ledger.py) ---------------------------------------
    def open_invoices(self) -> list[Invoice]:
        return ledger.open_invoices(self)

    def undisputed_invoices(self) -> list[Invoice]:
        """The open invoices the debtor is asked to pay: those no dispute of one invoice holds."""
        disputed = self.disputed_invoice_ids()
        return [inv for inv in self.open_invoices() if inv.invoice_id not in disputed]

    def disputed_invoice_ids(self) -> frozenset[str]:
        """The account's invoices a dispute of that one invoice holds (open or not)."""
        known = {inv.invoice_id for inv in self.invoices}
        return frozenset(invoice_id for invoice_id, flag in self.invoice_disputes.items()
                         if flag.active and invoice_id in known)

    def amounts_paid(self) -> dict[str, int]:
        return ledger.amounts_paid(self)

    def payment_totals(self) -> tuple[dict[str, int], dict[str, int]]:
        return ledger.payment_totals(self)

    def has_older_lines(self) -> bool:
        return ledger.has_older_lines(self)

    def ledger_sums(self) -> LedgerSums:
        return ledger.ledger_sums(self)

    def take_ledger_out(self) -> None:
        ledger.take_ledger_out(self)

    def post_lines(self, before: list[Payment], after: list[Payment]) -> None:
        ledger.post_lines(self, before, after)

    def add_line(self, line: Payment) -> None:
        """A line Kindly writes itself (what a settlement forgave)."""
        ledger.post_lines(self, [], [line])

    def lines_saved(self) -> None:
        ledger.lines_saved(self)

    def pay_url(self, invoice: Invoice) -> str | None:
        return ledger.pay_url(self, invoice)

    def invoice_by_processor_id(self, processor_invoice_id: str | None) -> Invoice | None:
        return next((inv for inv in self.invoices
                     if processor_invoice_id and inv.processor_invoice_id == processor_invoice_id), None)

    def balance(self) -> dict[str, int]:
        """Per currency of the open invoices, what is still owed, disputed or not: what the billing system says.
        What reminders, plans and offers ask for is `undisputed_balance`."""
        return ledger.balance(self)

    def undisputed_balance(self) -> dict[str, int]:
        """What the debtor is asked for, per currency: the balance without the invoices held by a dispute."""
        return ledger.balance(self, undisputed=True)

    def owes_anything(self) -> bool:
        return any(amount > 0 for amount in self.balance().values())

    def owes_undisputed(self) -> bool:
        return any(amount > 0 for amount in self.undisputed_balance().values())

    def anchor(self) -> tuple[str, date] | None:
        """The oldest open invoice no dispute holds anchors the cycle: steps are counted from its due date. When
        a dispute holds every open invoice, the oldest of them does, and the dispute withholds each step."""
        open_invoices = self.undisputed_invoices() or self.open_invoices()
        if not open_invoices:
            return None
        oldest = min(open_invoices, key=lambda inv: (inv.due_on, inv.invoice_id))
        return f"{oldest.invoice_id}@{oldest.due_on.isoformat()}", oldest.due_on

    def processor_ref_keys(self) -> set[str]:
        """The keys under which a processor's webhook can find this account."""
        keys = {customer_ref_key(self.tenant_id, provider, customer_id)
                for provider, customer_id in self.processor_ids.items()}
        return keys | {invoice_ref_key(self.tenant_id, inv.processor_invoice_id)
                       for inv in self.invoices if inv.processor_invoice_id}

    def parking_keys(self) -> set[str]:
        """The keys under which a payment that came before this account waits for it."""
        return {account_ref_key(self.tenant_id, self.account_id)} | self.processor_ref_keys()

    def is_named_by(self, event: PaymentEvent) -> bool:
        """Whether the event's ids still belong to this account (a ref may be stale)."""
        return (event.account_ref == self.account_id
                or (event.customer_ref is not None and self.processor_ids.get(event.provider) == event.customer_ref)
                or self.invoice_by_processor_id(event.invoice_ref) is not None)

    @property
    def message_locale(self) -> str:
        """The locale messages and pages use: the debtor's own choice, else the billing system's."""
        return self.preferred_locale or self.locale

    # --- flags ------------------------------------------------------------------------------
    def holding_flags(self, local_day: date) -> list[Flag]:
        """The flags holding every message. Disputes of single invoices that together hold everything owed
        count as a dispute of the whole account (the latest of them stands for it)."""
        holding = [flag for name in FLAGS if (flag := self.flags.get(name)) and flag.holds_at(local_day)]
        if any(flag.name == DISPUTE for flag in holding) or not self.owes_anything() or self.owes_undisputed():
            return holding
        disputes = [self.invoice_disputes[invoice_id] for invoice_id in sorted(self.disputed_invoice_ids())]
        return [max(disputes, key=lambda flag: flag.since), *holding] if disputes else holding

    # --- audit ------------------------------------------------------------------------------
    def record(self, at: datetime, type_: str, actor: str, details: dict[str, Any]) -> AuditEvent:
        """Append an audit event to the chain; the repository writes it together with the account."""
        event = chain_event(self.audit_head, self.tenant_id, self.account_id, at, type_, actor, details)
        self.audit_head = ChainHead(event.seq, event.hash)
        self.pending_events.append(event)
        self.tallies = add_tallies(self.tallies, tally_keys(type_, details))
        return event

    # --- shape shown to API clients --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        paid = self.amounts_paid()
        disputed = self.disputed_invoice_ids()
        return {
            "account_id": self.account_id,
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "locale": self.locale,
            "timezone": self.timezone,
            "country": self.country,
            "region": self.region,
            "sms_consent": (
                {"source": self.sms_consent.source, "at": iso(self.sms_consent.at)} if self.sms_consent else None
            ),
            "policy": self.policy,
            "processor_ids": dict(self.processor_ids),
            "tags": list(self.tags),
            "invoices": [inv.to_dict() | {"amount_paid": paid[inv.invoice_id],
                                          "disputed": inv.invoice_id in disputed} for inv in self.invoices],
            "balance": self.balance(),
            "payments": [p.to_dict() for p in self.payments],
            "flags": {
                name: {
                    "active": flag.active,
                    "since": iso(flag.since),
                    "until": flag.until.isoformat() if flag.until else None,
                    "note": flag.note,
                    "set_by": flag.set_by,
                }
                for name, flag in sorted(self.flags.items())
            },
            "contact": {"email_suppressed": self.email_suppressed, "sms_opted_out": self.sms_opted_out,
                        "preferred_locale": self.preferred_locale,
                        "preferred_hours": ([t.strftime("%H:%M") for t in self.preferred_hours]
                                            if self.preferred_hours else None)},
            "state": self.state,
            "hold_reason": self.hold_reason,
            "plan": self.plan.to_dict() if self.plan else None,
            "promise": self.promise.to_dict() if self.promise else None,
            "settlement_offer": self.settlement_offer.to_dict() if self.settlement_offer else None,
            "next_action_at": iso(self.next_action_at) if self.next_action_at else None,
            "created_at": iso(self.created_at) if self.created_at else None,
            "updated_at": iso(self.updated_at) if self.updated_at else None,
        }


def with_profile(current: Account, incoming: Account) -> Account:
    """The incoming upsert replaces what the billing system owns and keeps what Kindly owns."""
    return replace(
        incoming,
        flags=current.flags,
        # A bounce belongs to an address; an unsubscribe belongs to the person.
        email_suppressed=(
            current.email_suppressed
            if incoming.email == current.email or current.email_suppressed == "unsubscribed"
            else None
        ),
        sms_opted_out=current.sms_opted_out if incoming.phone == current.phone else False,
        preferred_locale=current.preferred_locale,
        self_paused_at=current.self_paused_at,
        preferred_hours=current.preferred_hours,
        cycle=current.cycle,
        last_step=current.last_step,
        last_step_key=current.last_step_key,
        state=current.state,
        hold_reason=current.hold_reason,
        payments=current.payments,
        ledger=current.ledger,
        paid_in_full=current.paid_in_full,
        unsaved_lines=current.unsaved_lines,
        new_line_keys=current.new_line_keys,
        pending_thanks=current.pending_thanks,
        plan=current.plan,
        earlier_plans_paid=current.earlier_plans_paid,
        promise=current.promise,
        settlement_offer=current.settlement_offer,
        invoice_disputes=current.invoice_disputes,
        plan_notices=current.plan_notices,
        next_action_at=current.next_action_at,
        recent_sends=current.recent_sends,
        engagement=current.engagement,
        tallies=current.tallies,
        audit_head=current.audit_head,
        created_at=current.created_at,
        version=current.version,
        pending_events=[],
    )


def found_account(account: Account | None, account_id: str) -> Account:
    """The account a lookup found; NotFound naming `account_id` when it found none (another tenant's account is
    as unknown as a missing one)."""
    if account is None:
        raise NotFound(f"no account {account_id!r}", "account_id")
    return account


# --- what the debtor may do on their own page ------------------------------------------------------

DEBTOR = "debtor:portal"
SELF_PAUSE_EVERY = timedelta(days=365)  # SPEC 8: a pause the debtor takes alone, limited per year


def self_pause_allowed(last_pause_day: date | None, today: date) -> bool:
    """One hardship pause a year from the page, counted in the debtor's own days (the day of the last pause
    and today, both local); more than that is a conversation with a person."""
    return last_pause_day is None or today - last_pause_day >= SELF_PAUSE_EVERY
