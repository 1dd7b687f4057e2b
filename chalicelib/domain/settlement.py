"""Settlement offers: when an overdue account is offered to settle for less, for exactly how much and until
when; accepting the offer, whether money paid settles the account by then, what is forgiven, and lapsing.

Pure: the caller passes the debtor's local day and what is owed. The discount is rounded in the debtor's
favour: the amount to pay is rounded down to the minor unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from .accounts import Account
from .errors import Conflict
from .policies import DEFAULT_OFFER_AFTER_DAYS, Policy
from .schedule import local_day, recipient_zones
from .times import iso


class SettlementTerms(Struct, frozen=True):
    discount_percent: int
    valid_days: int
    offer_after_days: int = DEFAULT_OFFER_AFTER_DAYS

    @classmethod
    def of(cls, policy: Policy) -> SettlementTerms | None:
        """The policy's `settlement`, or None when it makes no offers."""
        terms = policy.settlement
        if not terms:
            return None
        return cls(int(terms["discount_percent"]), int(terms["valid_days"]),
                   int(terms.get("offer_after_days", DEFAULT_OFFER_AFTER_DAYS)))


class SettlementOffer(Struct, frozen=True):
    amount: int  # what settles the account, minor units
    currency: str
    valid_until: date  # the last local day a payment settles it
    balance: int  # what was owed when the offer was made: the offer is for that debt, not a later one
    accepted_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """API.md's `settlement_offer`."""
        return {"amount": self.amount, "currency": self.currency, "valid_until": self.valid_until.isoformat(),
                "accepted_at": iso(self.accepted_at) if self.accepted_at else None}

    def to_record(self) -> dict[str, Any]:
        """What is stored: the API's shape and the balance the offer was made on."""
        return self.to_dict() | {"balance": self.balance}

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> SettlementOffer:
        accepted = data.get("accepted_at")
        return cls(int(data["amount"]), str(data["currency"]), date.fromisoformat(data["valid_until"]),
                   int(data["balance"]), datetime.fromisoformat(accepted) if accepted else None)


def discounted(balance: int, discount_percent: int) -> int:
    """The balance less the discount, rounded down to the minor unit (in the debtor's favour). Integer
    arithmetic: exact for any amount and any currency's exponent."""
    return balance * (100 - discount_percent) // 100


def make_offer(terms: SettlementTerms | None, owed: Mapping[str, int], overdue_since: date | None,
               today: date) -> SettlementOffer | None:
    """The offer due to an account on `today` (its local day), or None.

    Offered only from `offer_after_days` after `overdue_since` (the oldest open invoice's due date), for a
    discount that forgives something and leaves something to pay, and only to an account that owes in one
    currency: an offer settles the whole account, and currencies are never converted, so an account owing in
    several is left to a person.
    """
    if terms is None or overdue_since is None or terms.discount_percent <= 0:
        return None
    if (today - overdue_since).days < terms.offer_after_days:
        return None
    owing = {currency: amount for currency, amount in owed.items() if amount > 0}
    if len(owing) != 1:
        return None
    (currency, balance), = owing.items()
    amount = discounted(balance, terms.discount_percent)
    if amount <= 0:  # a discount of everything is not an offer, it is a write-off for a person to decide
        return None
    return SettlementOffer(amount, currency, today + timedelta(days=terms.valid_days), balance)


def offer_for_account(account: Account, policy: Policy, at: datetime) -> SettlementOffer | None:
    """The offer due to an account at `at`: counted from its oldest open invoice, on the debtor's local day."""
    anchor = account.anchor()
    return make_offer(SettlementTerms.of(policy), account.undisputed_balance(), anchor[1] if anchor else None,
                      local_day(at, recipient_zones(account)))


def lapsed(offer: SettlementOffer, today: date, owed: Mapping[str, int]) -> bool:
    """Past its last day, or the debt grew since (a new invoice): the offer no longer stands."""
    return today > offer.valid_until or owed.get(offer.currency, 0) > offer.balance


def accept(offer: SettlementOffer, at: datetime, today: date, owed: Mapping[str, int]) -> SettlementOffer:
    """The debtor takes the offer (again: no change). A lapsed offer cannot be accepted."""
    if offer.accepted_at is not None:
        return offer
    if lapsed(offer, today, owed):
        raise Conflict(f"the offer ended on {offer.valid_until.isoformat()}"
                       if today > offer.valid_until else "the offer was for a smaller balance", "settlement_offer")
    return replace(offer, accepted_at=at)


def settles(offer: SettlementOffer, paid: int, currency: str, paid_on: date) -> bool:
    """Whether `paid` (everything paid in `currency` since the offer was made) settles the account: at least
    the offer's amount, by its last day. Accepting the offer first is not needed."""
    return currency == offer.currency and paid >= offer.amount and paid_on <= offer.valid_until


def forgiven(offer: SettlementOffer, paid: int) -> int:
    """What the creditor forgives when `paid` settles the account: the rest of the balance the offer was made
    on (nothing when the debtor paid it all)."""
    return max(offer.balance - paid, 0)
