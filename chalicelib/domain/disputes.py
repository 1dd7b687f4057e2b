"""Disputes of one invoice: "I don't owe this one". The invoice is held (left out of reminders, amounts, plans
and offers, see Account.undisputed_balance) while the account's other invoices go on; lifting the dispute
brings it back. The account-wide dispute stays a flag ("I don't owe any of this")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import plans as plan_rules
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
    _check_no_arrangement_covers_it(account)
    account.invoice_disputes = {**account.invoice_disputes, invoice_id: Flag(DISPUTE, True, at, None, note, actor)}
    details: dict[str, Any] = {"invoice_id": invoice_id, "note_given": bool(note)}
    offer = account.settlement_offer
    if offer is not None and offer.accepted_at is None:
        # The offer was for a balance that included this invoice: the next one is made on what is left.
        account.settlement_offer = None
        details["settlement_offer_withdrawn"] = True
    return OPENED, details


def _check_no_arrangement_covers_it(account: Account) -> None:
    """A plan or an accepted settlement was agreed on a balance with this invoice in it: taking the invoice out
    would leave instalments (or an amount to pay) that no longer match what is asked. A person decides first."""
    if account.plan is not None and account.plan.status == plan_rules.ACTIVE:
        raise Conflict("a payment plan covers this invoice: cancel the plan first, or dispute the whole account",
                       "invoice_id")
    if account.settlement_offer is not None and account.settlement_offer.accepted_at is not None:
        raise Conflict("an accepted settlement offer covers this invoice: dispute the whole account instead",
                       "invoice_id")


def can_dispute_one(account: Account) -> bool:
    """Whether one invoice may be disputed alone now (no plan or accepted settlement covers the invoices)."""
    try:
        _check_no_arrangement_covers_it(account)
    except Conflict:
        return False
    return True
