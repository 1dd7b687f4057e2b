"""What money moving on an account's ledger does to the arrangements made with the debtor: the payment plan's
instalments (earliest unpaid first; a refund reopens the latest paid), an open promise to pay, and a standing
settlement offer, which a payment of at least its amount by its date turns into a settled account.

Pure. The caller records the processor's event on the ledger first, then passes what the account owed before
it: only the change in what is owed moves the plan, so a redelivered event (which moves nothing on the ledger)
moves nothing here either, and money that paid an invoice before the plan existed is never counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from msgspec import Struct, field

from . import plans as plan_rules
from . import promises as promise_rules
from . import settlement as settlement_rules
from .accounts import Account
from .payments import FORGIVEN, KINDLY, Payment


class SettledForLess(Struct, frozen=True):
    paid: int  # what the debtor paid since the offer was made
    forgiven: int
    currency: str


class Followed(Struct):
    """The audit events the money caused (type, details), and the settlement it completed, if any."""

    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    settled: SettledForLess | None = None


def follow_money(account: Account, owed_before: Mapping[str, int], paid_on: date, grace_days: int,
                 at: datetime) -> Followed:
    """Bring the account's plan, promise and settlement offer up to date with its ledger (changed in place).

    `owed_before` is `account.undisputed_balance()` before the ledger changed (a plan or an offer covers only
    what no dispute holds); `paid_on` the debtor's local day the money moved (the processor's time, so money paid
    on time but reported late still counts on time); `grace_days` the policy's; `at` stamps the forgiven line a
    settlement writes.
    """
    followed = Followed()
    owed_after = account.undisputed_balance()

    def moved(currency: str) -> int:
        """Money that came in (positive) or went back (negative) in one currency."""
        return owed_before.get(currency, 0) - owed_after.get(currency, 0)

    plan = account.plan
    if plan is not None:
        delta = moved(plan.currency)
        followed_plan = plan
        if delta > 0:
            followed_plan, _over = plan_rules.apply_payment(plan, delta)
        elif delta < 0:
            followed_plan, _before_plan = plan_rules.refund(plan, -delta)
        account.plan = followed_plan
        if plan.status != plan_rules.COMPLETED and followed_plan.status == plan_rules.COMPLETED:
            followed.events.append(("plan_completed", {
                "currency": plan.currency, "total": plan.total, "instalments": len(plan.instalments)}))

    promise = account.promise
    if promise is not None and moved(promise.currency) > 0:
        account.promise = promise_rules.apply_payment(promise, moved(promise.currency), promise.currency, paid_on,
                                                      grace_days)
        if promise.status != promise_rules.KEPT and account.promise.status == promise_rules.KEPT:
            followed.events.append(("promise_kept", {
                "amount": promise.amount, "currency": promise.currency, "by": promise.by.isoformat()}))

    offer = account.settlement_offer
    if (offer is not None and moved(offer.currency) > 0 and not _forgiven_already(account, offer)
            and not settlement_rules.lapsed(offer, paid_on, owed_before)):  # lapsed: past its date, or debt grew
        paid = offer.balance - owed_after.get(offer.currency, 0)
        if settlement_rules.settles(offer, paid, offer.currency, paid_on) and owed_after.get(offer.currency, 0) > 0:
            forgiven = settlement_rules.forgiven(offer, paid)
            account.add_line(_forgiven_line(offer, forgiven, at))
            followed.settled = SettledForLess(paid, forgiven, offer.currency)
            followed.events.append(("settled_for_less", {
                "amount_paid": paid, "forgiven": forgiven, "currency": offer.currency,
                "valid_until": offer.valid_until.isoformat()}))
    return followed


def _forgiven_ref(offer: settlement_rules.SettlementOffer) -> str:
    return f"settlement:{offer.currency}:{offer.balance}:{offer.valid_until.isoformat()}"


def _forgiven_already(account: Account, offer: settlement_rules.SettlementOffer) -> bool:
    return any(p.kind == FORGIVEN and p.payment_ref == _forgiven_ref(offer) for p in account.payments)


def _forgiven_line(offer: settlement_rules.SettlementOffer, amount: int, at: datetime) -> Payment:
    ref = _forgiven_ref(offer)
    return Payment(KINDLY, ref, FORGIVEN, amount, offer.currency, at, ref, event_ids=(ref,))
