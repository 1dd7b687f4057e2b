"""Disputes of one invoice: "I don't owe this one". The invoice is held (left out of reminders, amounts, plans
and offers, see Account.undisputed_balance) while the account's other invoices go on; lifting the dispute
brings it back. The account-wide dispute stays a flag ("I don't owe any of this")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .accounts import DISPUTE, OPEN, Account, Flag
from .errors import Conflict, NotFound

OPENED = "dispute_opened"
RESOLVED = "dispute_resolved"


def dispute_invoice(account: Account, invoice_id: str, active: bool, at: datetime, note: str | None,
                    actor: str) -> tuple[str, dict[str, Any]] | None:
    """Open (`active`) or lift the dispute of one invoice, in place; the audit event it makes (type, details),
    or None when the invoice already stands so (a repeat changes nothing). Refused, changing nothing, for an
    invoice the account does not have, or a dispute of an invoice nothing is owed on."""
    invoice = next((inv for inv in account.invoices if inv.invoice_id == invoice_id), None)
    if invoice is None:
        raise NotFound(f"account {account.account_id!r} has no invoice {invoice_id!r}", "invoice_id")
    disputed = invoice_id in account.disputed_invoice_ids()
    if active == disputed:
        return None
    if not active:
        account.invoice_disputes = {k: v for k, v in account.invoice_disputes.items() if k != invoice_id}
        return RESOLVED, {"invoice_id": invoice_id}
    if invoice_id not in {inv.invoice_id for inv in account.open_invoices()}:
        status = "paid" if invoice.status == OPEN else invoice.status  # an open invoice the ledger paid in full
        raise Conflict(f"invoice {invoice_id!r} is already {status}: nothing is left on it to dispute", "invoice_id")
    account.invoice_disputes = {**account.invoice_disputes, invoice_id: Flag(DISPUTE, True, at, None, note, actor)}
    return OPENED, {"invoice_id": invoice_id, "note_given": bool(note)}


def disputable_invoices(account: Account) -> list[str]:
    """The invoices the debtor may still dispute one by one: owed, and no dispute holds them yet."""
    return [inv.invoice_id for inv in account.undisputed_invoices()]
