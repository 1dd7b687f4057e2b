"""An account's ledger as the account keeps it: the recent lines and the running sums of every line (the payments
collection holds them all), the lines a save writes, and what the money has paid of the invoices: the balance.
Account's methods of the same names call these; payments.py has the lines themselves and how an event records."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from msgspec.structs import replace

from .money import add_balances
from .payments import FAILED, LedgerSums, credited_from, recent_window, superseded_failure

if TYPE_CHECKING:
    from .accounts import Account, Invoice
    from .payments import Payment


# --- the lines and sums -----------------------------------------------------------------------------

def ledger_sums(account: Account) -> LedgerSums:
    return account.ledger if account.ledger is not None else LedgerSums.of(account.payments)


def has_older_lines(account: Account) -> bool:
    """Whether the ledger holds lines the account item does not carry (they are in the payments collection)."""
    return ledger_sums(account).lines > len(account.payments)


def payment_totals(account: Account) -> tuple[dict[str, int], dict[str, int]]:
    """Per currency, the money received and the money that went back (refunds, chargebacks): what the finance
    figures count as recovered. The one place figures read the ledger's money from: running totals kept on the
    account as lines are recorded (LedgerSums), not the lines."""
    sums = ledger_sums(account)
    return dict(sums.received), dict(sums.returned)


def take_ledger_out(account: Account) -> None:
    """Before a save: an account carrying its whole ledger keeps its sums from now on, and every line goes to the
    payments collection with this save."""
    if account.ledger is None:
        account.ledger = LedgerSums.of(account.payments)
        account.unsaved_lines = list(({p.key: p for p in account.payments}
                                      | {p.key: p for p in account.unsaved_lines}).values())


def post_lines(account: Account, before: list[Payment], after: list[Payment]) -> None:
    """Take on what recording made of the lines it was given (`before`: the recent lines, and any read from the
    collection; `after`: record_payment's ledger): the sums move by the changed lines, which are written with the
    account, and the recent lines take them in."""
    was = {p.key: p for p in before}
    changed = [p for p in after if was.get(p.key) != p]
    if not changed:
        return
    take_ledger_out(account)
    assert account.ledger is not None
    account.ledger = account.ledger.moved([was[p.key] for p in changed if p.key in was], changed)
    account.new_line_keys = account.new_line_keys | {p.key for p in changed if p.key not in was}
    account.unsaved_lines = list(({p.key: p for p in account.unsaved_lines} | {p.key: p for p in changed}).values())
    account.payments = list(({p.key: p for p in account.payments} | {p.key: p for p in changed}).values())
    # Before the window drops a line that paid an invoice in full, the instant it did so is kept.
    account.paid_in_full = paid_in_full_at(account)
    account.payments = recent_window(account.payments)


def lines_saved(account: Account) -> None:
    """The repository wrote the unsaved lines: the item keeps only the recent ones from now on."""
    account.unsaved_lines, account.new_line_keys = [], set()
    account.payments = recent_window(account.payments)


# --- what the money has paid ------------------------------------------------------------------------

def paid_in_full_at(account: Account) -> dict[str, datetime]:
    """When each invoice was paid in full: the line that did it, found by replaying the recent lines on what the
    older lines add up to; for an invoice already paid in full before the recent lines, the instant kept when
    that line was recorded (account.paid_in_full), none when it was recorded before Kindly kept them. Void
    invoices have none."""
    invoices = [inv for inv in account.invoices if inv.status != "void" and inv.amount > 0]
    lines = sorted(account.payments, key=lambda p: p.rank)
    older = ledger_sums(account).moved(lines, [])
    before_recent = credited_from(invoices, older.credits)
    earlier = {inv.invoice_id for inv in invoices if before_recent[inv.invoice_id] >= inv.amount}
    done = {invoice_id: account.paid_in_full[invoice_id] for invoice_id in earlier
            if invoice_id in account.paid_in_full}
    for n, line in enumerate(lines, start=1):
        paid = credited_from(invoices, older.moved([], lines[:n]).credits)
        for inv in invoices:
            if inv.invoice_id not in done and inv.invoice_id not in earlier and paid[inv.invoice_id] >= inv.amount:
                done[inv.invoice_id] = line.at
    return done


def amounts_paid(account: Account) -> dict[str, int]:
    """Per invoice, what the ledger's money has paid of it (0 for an invoice no longer open)."""
    return credited_from([inv for inv in account.invoices if inv.is_open], ledger_sums(account).credits,
                         last=account.disputed_invoice_ids()) | {
        inv.invoice_id: 0 for inv in account.invoices if not inv.is_open}


def open_invoices(account: Account) -> list[Invoice]:
    """Invoices still owed, each with what remains of it after the payments on the ledger (disputed or not)."""
    paid = amounts_paid(account)
    return [replace(inv, amount=inv.amount - paid[inv.invoice_id]) for inv in account.invoices
            if inv.is_open and inv.amount - paid[inv.invoice_id] > 0]


def balance(account: Account, *, undisputed: bool = False) -> dict[str, int]:
    """Per currency of the open invoices, what is still owed (0 once payments cover it); `undisputed`: without
    the invoices held by a dispute of that one invoice."""
    held = account.disputed_invoice_ids() if undisputed else frozenset()
    paid = amounts_paid(account)
    return add_balances([(inv.amount - paid[inv.invoice_id], inv.currency)
                         for inv in account.invoices if inv.is_open and inv.invoice_id not in held])


def pay_url(account: Account, invoice: Invoice) -> str | None:
    """Where to pay this invoice: the processor's retry page after a failed charge (it lets the debtor update
    their card), else the billing system's link."""
    failures = [p for p in account.payments if p.kind == FAILED and p.invoice_id == invoice.invoice_id
                and p.pay_url and not superseded_failure(account.payments, p)]
    return failures[-1].pay_url if failures else invoice.payment_url
