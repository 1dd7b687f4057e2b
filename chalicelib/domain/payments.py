"""Payments reported by processors: one normalised event shape, the ledger (every line in the payments
collection; the account keeps its recent lines and running sums), and how the ledger's money is allocated to
invoices. Pure: the processors' own formats live in adapters/processors."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from msgspec import Struct, field
from msgspec.structs import replace

from .times import iso

if TYPE_CHECKING:
    from .accounts import Account, Invoice

SUCCEEDED = "payment_succeeded"
FAILED = "payment_failed"
REFUNDED = "refund"
CHARGEBACK = "chargeback"
KINDS = (SUCCEEDED, FAILED, REFUNDED, CHARGEBACK)
MONEY_BACK = (REFUNDED, CHARGEBACK)  # money the debtor paid that went back: the balance reopens
# What the creditor forgave when a payment settled the account for less (settlement.py): it clears the balance
# like money would, yet no money moved, so it is never counted as paid or recovered.
FORGIVEN = "forgiven"
KINDLY = "kindly"  # the "provider" of the lines Kindly writes itself


class PaymentEvent(Struct, frozen=True):
    """What a processor told us, in Kindly's terms. Amounts are cumulative per (payment, kind): a second
    partial refund of one charge reports the total refunded so far, so the latest event by time wins."""

    provider: str
    event_id: str  # the processor's id for this notification: duplicates are recognised by it
    kind: str  # one of KINDS
    occurred_at: datetime  # when it happened at the processor (aware), which decides out-of-order events
    payment_ref: str  # the money movement: charge, transaction or payment id
    currency: str | None  # None: the processor did not say (the invoice's currency)
    amount: int | None  # minor units; None: the processor did not say (settles the invoice in full)
    customer_ref: str | None = None  # the processor's customer id (Account.processor_ids)
    invoice_ref: str | None = None  # the processor's invoice id (Invoice.processor_invoice_id)
    account_ref: str | None = None  # Kindly's account id, when the integration put it in the metadata
    invoice_id: str | None = None  # Kindly's invoice id, likewise
    pay_url: str | None = None  # where the debtor can retry a failed payment


class Payment(Struct, frozen=True):
    """One line of the account's ledger: the latest state of one (provider, payment, kind)."""

    provider: str
    payment_ref: str
    kind: str
    amount: int
    currency: str
    at: datetime
    event_id: str  # the latest event: with `at`, it decides which of two events about the line is newer
    invoice_id: str | None = None  # the Kindly invoice it pays; None: the oldest open ones in its currency
    pay_url: str | None = None
    event_ids: tuple[str, ...] = ()  # every event recorded on the line, so a redelivery of any is recognised

    @property
    def key(self) -> tuple[str, str, str]:
        return self.provider, self.payment_ref, self.kind

    @property
    def rank(self) -> tuple[datetime, str]:
        """Which event about one line is the newer: the processor's time, then its event id for a tie, so the
        outcome never depends on the order of arrival."""
        return self.at, self.event_id

    def signed_amount(self) -> int:
        """What this line adds to the money received: payments count, money sent back subtracts."""
        if self.kind == SUCCEEDED:
            return self.amount
        if self.kind in MONEY_BACK:
            return -self.amount
        return 0

    def credit(self) -> int:
        """What this line takes off the balance: the money it moves, or what was forgiven."""
        return self.amount if self.kind == FORGIVEN else self.signed_amount()

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "payment_ref": self.payment_ref, "kind": self.kind,
                "amount": self.amount, "currency": self.currency, "at": iso(self.at), "event_id": self.event_id,
                "invoice_id": self.invoice_id, "pay_url": self.pay_url}


# Outcomes of recording an event on a ledger.
APPLIED = "applied"
STALE = "stale"  # an event about the same payment, later at the processor, is already recorded
UNCHANGED = "unchanged"  # the ledger already says exactly this, or already holds this very event


def record_payment(ledger: list[Payment], event: PaymentEvent, invoice_id: str | None, amount: int
                   ) -> tuple[list[Payment], str]:
    """The ledger with the event recorded, and whether it moved money. An event already on the ledger (a
    redelivery, a replay) changes nothing, whatever came after it; otherwise the newer event by processor time
    wins. A newer event saying what the line already says is UNCHANGED, yet the line remembers it (the
    returned ledger differs only in event ids and time), so that a replay of it is recognised too."""
    if event.currency is None:
        raise ValueError("resolve the event's currency before recording it")
    if knows_event(ledger, event):
        return ledger, UNCHANGED
    line = Payment(event.provider, event.payment_ref, event.kind, amount, event.currency, event.occurred_at,
                   event.event_id, invoice_id, event.pay_url, (event.event_id,))
    current = line_for(ledger, event)
    outcome = APPLIED
    if current is not None:
        if current.rank > line.rank:
            return ledger, STALE
        line = replace(line, event_ids=(*current.event_ids, event.event_id))
        if same_money(current, line):
            outcome = UNCHANGED
    others = [_takes_back(p, line) for p in ledger if p.key != line.key]
    return sorted([*others, line], key=lambda p: (p.at, p.key)), outcome


def _takes_back(line: Payment, paid: Payment) -> Payment:
    """A refund or chargeback that named no amount and came before its payment was recorded at 0 (no processor
    refunds nothing): once the payment arrives, it takes back the whole of it, so the money never counts as paid."""
    if (paid.kind == SUCCEEDED and line.kind in MONEY_BACK and line.amount == 0
            and (line.provider, line.payment_ref) == (paid.provider, paid.payment_ref)):
        return replace(line, amount=paid.amount, currency=paid.currency, invoice_id=line.invoice_id or paid.invoice_id)
    return line


def knows_event(ledger: list[Payment], event: PaymentEvent) -> bool:
    """Whether this very event (by the processor's id for it) was recorded before."""
    return bool(event.event_id) and any(event.event_id in (p.event_id, *p.event_ids) for p in ledger)


def line_for(ledger: list[Payment], event: PaymentEvent) -> Payment | None:
    """The ledger's line for the event's (provider, payment, kind), if the payment was seen before."""
    return next((p for p in ledger if p.key == (event.provider, event.payment_ref, event.kind)), None)


def same_money(a: Payment, b: Payment) -> bool:
    """Two versions of one line that move the same money the same way (they may differ in which event said so)."""
    return replace(a, at=b.at, event_id=b.event_id, event_ids=b.event_ids) == b


def received_for(ledger: list[Payment], provider: str, payment_ref: str) -> Payment | None:
    """The successful payment a refund or chargeback refers to, if it is on the ledger."""
    return next((p for p in ledger if p.key == (provider, payment_ref, SUCCEEDED)), None)


def superseded_failure(ledger: list[Payment], failure: Payment) -> bool:
    """A failed attempt no longer matters once a payment for the same invoice succeeded after it."""
    return any(p.kind == SUCCEEDED and p.at >= failure.at and p.invoice_id == failure.invoice_id
               and p.currency == failure.currency for p in ledger)


def credited(invoices: list[Invoice], ledger: list[Payment], last: frozenset[str] = frozenset()) -> dict[str, int]:
    """How much of each invoice the ledger has paid (see credited_from)."""
    return credited_from(invoices, LedgerSums.of(ledger).credits, last)


def credited_from(invoices: list[Invoice], credits: dict[tuple[str | None, str], int],
                  last: frozenset[str] = frozenset()) -> dict[str, int]:
    """How much of each invoice the ledger's credits (per invoice named and currency) have paid. Money naming an
    invoice pays that invoice; the rest pays the oldest invoices of the same currency first, those in `last`
    (held by a dispute) only after every other. Never more than an invoice's amount."""
    paid: dict[str, int] = {inv.invoice_id: 0 for inv in invoices}
    by_id = {inv.invoice_id: inv for inv in invoices}
    loose: dict[str, int] = {}
    for (invoice_id, currency), credit in credits.items():
        target = by_id.get(invoice_id or "")
        if target is not None and target.currency == currency:
            paid[target.invoice_id] += credit
        else:
            loose[currency] = loose.get(currency, 0) + credit
    overflow: dict[str, int] = {}
    for inv in invoices:  # an invoice paid beyond its amount passes the rest on, like unassigned money
        extra = paid[inv.invoice_id] - inv.amount
        if extra > 0:
            paid[inv.invoice_id] = inv.amount
            overflow[inv.currency] = overflow.get(inv.currency, 0) + extra
    for currency in set(loose) | set(overflow):
        remaining = loose.get(currency, 0) + overflow.get(currency, 0)
        for inv in sorted(invoices, key=lambda i: (i.invoice_id in last, i.due_on, i.invoice_id)):
            if inv.currency != currency:
                continue
            room = inv.amount - paid[inv.invoice_id]
            take = min(room, remaining) if remaining > 0 else max(-paid[inv.invoice_id], remaining)
            paid[inv.invoice_id] += take
            remaining -= take
    return {invoice_id: max(0, amount) for invoice_id, amount in paid.items()}


# --- what the account keeps of its ledger -----------------------------------------------------------

RECENT_LINES = 50  # the lines an account item carries: redeliveries, retry links and the decision read these
KEPT_OLDER = 10  # at most this many older lines that still matter (see _still_matters) ride along


class LedgerSums(Struct, frozen=True):
    """What the whole ledger adds up to, kept on the account as each line is recorded: the balance needs the
    credits per (invoice named, currency), the figures the money received and returned per currency, and
    neither needs a line. Linear in the lines, so a changed line is its new version less its old one."""

    credits: dict[tuple[str | None, str], int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    returned: dict[str, int] = field(default_factory=dict)
    lines: int = 0  # how many lines the ledger holds, the recent ones and those only in the collection

    @classmethod
    def of(cls, ledger: list[Payment]) -> LedgerSums:
        return cls().moved([], ledger)

    def moved(self, before: list[Payment], after: list[Payment]) -> LedgerSums:
        """The sums once the lines `before` are replaced by `after` (new lines have no `before`)."""
        credits, received, returned = dict(self.credits), dict(self.received), dict(self.returned)
        for sign, lines in ((-1, before), (1, after)):
            for line in lines:
                key = (line.invoice_id, line.currency)
                credits[key] = credits.get(key, 0) + sign * line.credit()
                if line.kind == SUCCEEDED:
                    received[line.currency] = received.get(line.currency, 0) + sign * line.amount
                elif line.kind in MONEY_BACK:
                    returned[line.currency] = returned.get(line.currency, 0) + sign * line.amount
        return LedgerSums({key: n for key, n in credits.items() if n}, dict(sorted(received.items())),
                          dict(sorted(returned.items())), self.lines + len(after) - len(before))


def recent_window(lines: list[Payment]) -> list[Payment]:
    """The lines an account item keeps, oldest first: the latest RECENT_LINES, and the few older ones that still
    matter. Bounded whatever the ledger's length; every line is in the payments collection besides."""
    ordered = sorted(lines, key=lambda p: (p.at, p.key))
    if len(ordered) <= RECENT_LINES:
        return ordered
    older = [p for p in ordered[:-RECENT_LINES] if _still_matters(p, ordered)][-KEPT_OLDER:]
    return older + ordered[-RECENT_LINES:]


SHOWN_LINES = 100  # the latest lines the API and the debtor's page show (API.md: `payments`)


def shown_lines(recent: list[Payment], stored: list[Payment], limit: int = SHOWN_LINES) -> list[Payment]:
    """The latest `limit` lines, oldest first: those read from the payments collection, with the account's own
    recent versions over them (an item stored before the collection holds lines the collection has not yet)."""
    merged = {p.key: p for p in stored} | {p.key: p for p in recent}
    return sorted(merged.values(), key=lambda p: (p.at, p.key))[-limit:]


def _still_matters(line: Payment, lines: list[Payment]) -> bool:
    """A settlement's forgiven line (an offer settles once), and money sent back before its payment was seen
    (recorded at 0 until the payment takes it back: record_payment must find it then)."""
    if line.kind == FORGIVEN:
        return True
    return (line.kind in MONEY_BACK and line.amount == 0
            and received_for(lines, line.provider, line.payment_ref) is None)


# --- what an event means for an account's invoices --------------------------------------------------

def invoice_of(account: Account, event: PaymentEvent) -> str | None:
    """The Kindly invoice an event is about: the one its metadata names, if the account has it, else the one
    the processor's invoice id belongs to; None when neither names an invoice of the account."""
    if event.invoice_id and any(inv.invoice_id == event.invoice_id for inv in account.invoices):
        return event.invoice_id
    found = account.invoice_by_processor_id(event.invoice_ref)
    return found.invoice_id if found else None


def with_currency(account: Account, event: PaymentEvent, invoice_id: str | None,
                  ledger: list[Payment] | None = None) -> PaymentEvent:
    """A processor that names no currency (GoCardless) moves money in the currency of the payment it refers to,
    else of its invoice, else of the oldest open invoice; still None when the account has none of these."""
    if event.currency is not None:
        return event
    candidates = ([inv for inv in account.invoices if inv.invoice_id == invoice_id] or account.undisputed_invoices()
                  or account.open_invoices())
    oldest = min(candidates, key=lambda inv: (inv.due_on, inv.invoice_id), default=None)
    received = received_for(account.payments if ledger is None else ledger, event.provider, event.payment_ref)
    currency = received.currency if received else (oldest.currency if oldest else None)
    return replace(event, currency=currency)


def terms(account: Account, event: PaymentEvent, ledger: list[Payment] | None = None
          ) -> tuple[PaymentEvent, str | None]:
    """The event with its currency and amount filled in, and the invoice it pays, from the lines of `ledger`
    (the account's recent lines, and those read from the payments collection for the event). The rules, in order:

    - A line the ledger already holds for the same (provider, payment, kind) keeps its amount and invoice: a
      processor that names no amount is not asked again what it meant, since the invoices open now are not
      those open when the money came.
    - A refund or chargeback that names no amount takes back the whole payment it refers to (0 while that
      payment is not on the ledger yet: it takes the whole of it once it comes, see record_payment).
    - A payment that names no amount (GoCardless) settles the invoice it names, or else the oldest open one in
      its currency (one no dispute holds first), and pays that invoice for good; 0 when nothing is open.
    - A failure that names no amount moves nothing.
    The currency stays None only when the processor named none and the account gives none (see with_currency).
    """
    lines = account.payments if ledger is None else ledger
    recorded = line_for(lines, event)
    invoice_id = invoice_of(account, event) or (recorded.invoice_id if recorded else None)
    if recorded is not None:
        amount = recorded.amount if event.amount is None else event.amount
        return replace(event, currency=event.currency or recorded.currency, amount=amount), invoice_id
    event = with_currency(account, event, invoice_id, lines)
    if event.amount is not None or event.currency is None:
        return event, invoice_id
    if event.kind in MONEY_BACK:
        paid = received_for(lines, event.provider, event.payment_ref)
        return replace(event, amount=paid.amount if paid else 0), invoice_id or (paid.invoice_id if paid else None)
    if event.kind == SUCCEEDED:
        disputed = account.disputed_invoice_ids()
        owed = [inv for inv in account.open_invoices() if inv.currency == event.currency
                and (invoice_id is None or inv.invoice_id == invoice_id)]
        settles = min(owed, key=lambda inv: (inv.invoice_id in disputed, inv.due_on, inv.invoice_id), default=None)
        return replace(event, amount=settles.amount if settles else 0), settles.invoice_id if settles else invoice_id
    return replace(event, amount=0), invoice_id


def ledger_amount(ledger: list[Payment], event: PaymentEvent) -> int:
    """The amount the ledger holds for the event's line once the event is recorded (it must be on the ledger)."""
    line = line_for(ledger, event)
    if line is None:
        raise ValueError("record the event on the ledger before asking for its amount")
    return line.amount


def brings_money(ledger: list[Payment], event: PaymentEvent, before: Payment | None) -> bool:
    """Whether recording a successful payment brought money the ledger's line did not hold before (the rest of a
    part-paid invoice is money of its own): what a thank-you is owed for."""
    return event.kind == SUCCEEDED and ledger_amount(ledger, event) > (before.amount if before else 0)


# --- how a webhook finds its account -------------------------------------------------------------

def customer_ref_key(tenant_id: str, provider: str, customer_id: str) -> str:
    return f"{tenant_id}#customer#{provider}#{customer_id}"


def invoice_ref_key(tenant_id: str, processor_invoice_id: str) -> str:
    return f"{tenant_id}#invoice#{processor_invoice_id}"


def lookup_keys(tenant_id: str, event: PaymentEvent) -> list[str]:
    """The refs that may name the event's account, most specific first."""
    keys = []
    if event.customer_ref:
        keys.append(customer_ref_key(tenant_id, event.provider, event.customer_ref))
    if event.invoice_ref:
        keys.append(invoice_ref_key(tenant_id, event.invoice_ref))
    return keys


def account_ref_key(tenant_id: str, account_id: str) -> str:
    return f"{tenant_id}#account#{account_id}"


def parking_keys(tenant_id: str, event: PaymentEvent) -> list[str]:
    """Where an event whose account is not known yet waits: under every id that could name its account, each
    prefixed by the tenant, so the event can only ever reach an account of the tenant whose secret signed it."""
    keys = [account_ref_key(tenant_id, event.account_ref)] if event.account_ref else []
    return keys + lookup_keys(tenant_id, event)


def parked_key(event: PaymentEvent) -> str:
    """The event's own name among those waiting under one key."""
    return "#".join((event.provider, event.event_id, event.kind, event.payment_ref))
