"""Payment plans, promises to pay and settlement offers, as finance (over the API) and the debtor (on their page)
ask for them: quote, create and cancel a plan, record a promise, accept a settlement offer.

Each change is one read and one audited write of the account, retried when another writer got there first; a
refusal (outside the policy, a second plan or promise, an account that is settled, held or under a stopping
flag) raises a domain error before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from chalicelib.domain import accounts as acc
from chalicelib.domain import plans as plan_rules
from chalicelib.domain import promises as promise_rules
from chalicelib.domain import settlement as settlement_rules
from chalicelib.domain.accounts import Account, found_account
from chalicelib.domain.conflicts import retry_on_conflict
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.plans import PlanRequest, Quote
from chalicelib.domain.policies import Policy
from chalicelib.domain.ports import AccountRepository, Clock, PolicyBook
from chalicelib.domain.schedule import local_day, recipient_zones, refresh_schedule
from chalicelib.domain.times import iso
from chalicelib.inputs.ids import check_account_id

# The debtor's public holidays by (country, region): adapters/holiday_calendar.holiday_checker.
Holidays = Callable[[str | None, str | None], Callable[[date], bool]]


class PlanService:
    def __init__(self, accounts: AccountRepository, policies: PolicyBook, holidays: Holidays, clock: Clock) -> None:
        self._accounts = accounts
        self._policies = policies
        self._holidays = holidays
        self._clock = clock

    # --- plans ----------------------------------------------------------------------------------------
    def quote(self, tenant_id: str, account_id: str, request: PlanRequest) -> Quote:
        """Every instalment date and amount the request would get; writes nothing."""
        account = self._account(tenant_id, account_id)
        _check_can_plan(account, self._clock.now())
        return self._quote(account, request, self._clock.now())

    def create(self, tenant_id: str, account_id: str, request: PlanRequest, *, created_by: str,
               actor: str) -> Account:
        """Agree the plan the request quotes. Conflict when a plan is already active (a replayed or racing
        confirmation included). The worker acts at once: it confirms the plan to the debtor."""
        if created_by not in plan_rules.CREATORS:
            raise ValueError(f"created_by must be one of {', '.join(plan_rules.CREATORS)}")
        return retry_on_conflict(lambda: self._create_once(tenant_id, account_id, request, created_by, actor))

    def _create_once(self, tenant_id: str, account_id: str, request: PlanRequest, created_by: str,
                     actor: str) -> Account:
        account = self._account(tenant_id, account_id)
        now = self._clock.now()
        _check_can_plan(account, now)
        quoted = self._quote(account, request, now)
        plan = plan_rules.start_plan(quoted, request.frequency, created_by, now)
        account.earlier_plans_paid = plan_rules.paid_through_plans(account.earlier_plans_paid, account.plan)
        account.plan = plan
        account.next_action_at = now  # the worker confirms the plan and from now on reminds of instalments
        account.updated_at = now
        account.record(now, "plan_created", actor, {
            "frequency": plan.frequency, "currency": plan.currency, "total": plan.total,
            "instalments": len(plan.instalments), "first_on": plan.instalments[0].due_on.isoformat(),
            "last_on": plan.instalments[-1].due_on.isoformat(), "created_by": created_by,
        })
        self._accounts.save(account)
        return account

    def cancel(self, tenant_id: str, account_id: str, *, actor: str) -> Account:
        """Cancel the active plan (again: no change); the policy's schedule resumes."""
        return retry_on_conflict(lambda: self._cancel_once(tenant_id, account_id, actor))

    def _cancel_once(self, tenant_id: str, account_id: str, actor: str) -> Account:
        account = self._account(tenant_id, account_id)
        if account.plan is None:
            raise NotFound("the account has no payment plan", "plan")
        cancelled = plan_rules.cancel(account.plan)
        if cancelled == account.plan:
            return account  # already cancelled: a repeat writes nothing
        now = self._clock.now()
        account.plan = cancelled
        refresh_schedule(account, self._policy(account))
        account.updated_at = now
        account.record(now, "plan_cancelled", actor, {
            "currency": cancelled.currency, "total": cancelled.total, "paid": cancelled.paid,
            "next_action_at": _iso_or_none(account.next_action_at),
        })
        self._accounts.save(account)
        return account

    # --- promises -------------------------------------------------------------------------------------
    def promise(self, tenant_id: str, account_id: str, amount: int, currency: str, by: date, *,
                actor: str) -> Account:
        """Record "I will pay `amount` by `by`": reminders wait until `by` plus the grace days. Conflict when a
        promise is still open."""
        return retry_on_conflict(lambda: self._promise_once(tenant_id, account_id, amount, currency, by, actor))

    def _promise_once(self, tenant_id: str, account_id: str, amount: int, currency: str, by: date,
                      actor: str) -> Account:
        account = self._account(tenant_id, account_id)
        now = self._clock.now()
        _check_open_for_arrangements(account, now)
        policy = self._policy(account)
        limits = promise_rules.PromiseLimits.of(policy)
        today = local_day(now, recipient_zones(account))
        current = promise_rules.lapse(account.promise, today, limits.grace_days) if account.promise else None
        promise = promise_rules.make_promise(amount, currency, by, account.undisputed_balance(), today, limits,
                                             current, now)
        account.promise = promise
        account.updated_at = now
        account.record(now, "promise_made", actor, {
            "amount": amount, "currency": currency, "by": by.isoformat(),
            "paused_until": promise.paused_until(limits.grace_days).isoformat(),
        })
        self._accounts.save(account)
        return account

    # --- settlement offers ----------------------------------------------------------------------------
    def accept_settlement(self, tenant_id: str, account_id: str, *, actor: str) -> Account:
        """Take the standing settlement offer (again: no change). Conflict when none stands or it lapsed."""
        return retry_on_conflict(lambda: self._accept_once(tenant_id, account_id, actor))

    def _accept_once(self, tenant_id: str, account_id: str, actor: str) -> Account:
        account = self._account(tenant_id, account_id)
        offer = account.settlement_offer
        if offer is None:
            raise Conflict("no settlement offer stands for this account", "settlement_offer")
        if offer.accepted_at is not None:
            return account
        now = self._clock.now()
        _check_open_for_arrangements(account, now)
        accepted = settlement_rules.accept(offer, now, local_day(now, recipient_zones(account)),
                                          account.undisputed_balance())
        account.settlement_offer = accepted
        account.next_action_at = now  # the worker confirms the acceptance to the debtor
        account.updated_at = now
        account.record(now, "settlement_accepted", actor, {
            "amount": accepted.amount, "currency": accepted.currency,
            "valid_until": accepted.valid_until.isoformat(),
        })
        self._accounts.save(account)
        return account

    # --- helpers --------------------------------------------------------------------------------------
    def _account(self, tenant_id: str, account_id: str) -> Account:
        check_account_id(account_id)
        return found_account(self._accounts.get(tenant_id, account_id), account_id)

    def _policy(self, account: Account) -> Policy:
        return self._policies.for_account(account)

    def _quote(self, account: Account, request: PlanRequest, now: datetime) -> Quote:
        return plan_rules.quote_for_account(request, account, self._policy(account), now,
                                            self._holidays(account.country, account.region))


# Flags under which nothing is arranged, and why. Hardship and vulnerability are not here: a plan is often
# exactly what such a debtor needs. An escalated account is not either: a plan agreed with the person who has
# it is the best way out of an escalation (the schedule then keeps to the plan).
REFUSING_FLAGS = {
    "dispute": "the account is disputed: resolve the dispute first",
    "bankruptcy": "the debtor is in bankruptcy: collection is stayed (11 U.S.C. 362), a person decides",
    "deceased": "the debtor has died: a person deals with the estate",
    "breathing_space": "the debt is in a breathing space: no arrangement is asked for until it ends",
    "cease_contact": "the debtor asked for no contact: a person arranges anything by the means they chose",
}


def _check_open_for_arrangements(account: Account, now: datetime) -> None:
    """A settled or held account, or one under a flag of REFUSING_FLAGS, takes no plan, promise or acceptance:
    there is nothing to arrange, or a person decides first."""
    if account.state == acc.SETTLED or not account.owes_anything():
        raise Conflict("the account is settled: nothing is owed", "state")
    if account.state == acc.HELD:
        raise Conflict("the account is held after money went back: a person decides first", "state")
    held_by = {flag.name for flag in account.holding_flags(local_day(now, recipient_zones(account)))}
    for name, why in REFUSING_FLAGS.items():
        if name in held_by:
            raise Conflict(why, "flags")


def _check_can_plan(account: Account, now: datetime) -> None:
    if account.plan is not None and account.plan.status == plan_rules.ACTIVE:
        raise Conflict("a payment plan is already active for this account", "plan")
    _check_open_for_arrangements(account, now)


def _iso_or_none(at: datetime | None) -> Any:
    return iso(at) if at else None
