"""Early heads-up: a reminder before the due date only for those whose history says they need one.

A policy's `early_heads_up` (`{"days_before": 5, "when_late_payments": 2}`, on in the built-in `standard`)
changes its steps before the due date (negative offset: the friendly heads-up) by the account's payment history,
read from its ledger against its invoices' due dates (`payer`):
- a late payer (at least `when_late_payments` of its last `HISTORY` paid invoices paid after their due date)
  gets the heads-up earlier: `days_before` days before the due date, when the step's own offset is later;
- a good payer (paid invoices on record, none of the last `HISTORY` late) gets none: the step is withheld with
  the rule `pays_on_time` (fewer messages for people who need none);
- an account with no paid invoice on record yet gets the policy's steps as written.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from msgspec import Struct

from .ledger import paid_in_full_at

if TYPE_CHECKING:  # the schedule and decide() read this; it only reads what an account carries
    from .accounts import Account
    from .policies import Policy, Step

HISTORY = 3  # the paid invoices looked at, latest first
PAYS_ON_TIME = "pays_on_time"  # the rule a good payer's heads-up is withheld by
LATE, ON_TIME = "late", "on_time"


class EarlyHeadsUp(Struct, frozen=True):
    days_before: int
    when_late_payments: int

    @classmethod
    def of(cls, policy: Policy) -> EarlyHeadsUp | None:
        setting: dict[str, Any] | None = policy.early_heads_up
        return cls(int(setting["days_before"]), int(setting["when_late_payments"])) if setting else None


def paid_on(account: Account, zone_name: str) -> dict[str, date]:
    """The local day each invoice was paid in full (ledger.paid_in_full_at: invoices paid elsewhere, or in full
    before Kindly kept the instant, have none)."""
    where = ZoneInfo(zone_name)
    return {invoice_id: at.astimezone(where).date() for invoice_id, at in paid_in_full_at(account).items()}


def payer(account: Account, setting: EarlyHeadsUp, zone_name: str) -> str | None:
    """LATE, ON_TIME, or None when no invoice of the account has been paid on record yet."""
    days = paid_on(account, zone_name)
    due = {inv.invoice_id: inv.due_on for inv in account.invoices}
    latest = sorted(days, key=lambda i: (due[i], i))[-HISTORY:]
    if not latest:
        return None
    late = sum(1 for invoice_id in latest if days[invoice_id] > due[invoice_id])
    if late >= setting.when_late_payments:
        return LATE
    return ON_TIME if late == 0 else None


def step_offset(account: Account, policy: Policy, step: Step, zone_name: str) -> int:
    """The step's offset for this account: a late payer's heads-up comes `days_before` days ahead."""
    setting = EarlyHeadsUp.of(policy)
    if setting is None or step.offset_days >= 0 or step.action is not None:
        return step.offset_days
    if payer(account, setting, zone_name) == LATE:
        return min(step.offset_days, -setting.days_before)
    return step.offset_days


def withheld_for_good_payer(account: Account, policy: Policy, step: Step, zone_name: str) -> bool:
    """Whether this step is a heads-up a good payer does not need."""
    setting = EarlyHeadsUp.of(policy)
    return (setting is not None and step.offset_days < 0 and step.action is None
            and payer(account, setting, zone_name) == ON_TIME)
