"""Evaluate one due account: load it, decide (domain.decision), carry the decision out. Whatever is sent goes
through the one delivery path (services.delivery); this module only says what the message is."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace

from chalicelib.domain.accounts import HELD, Account, PendingThanks
from chalicelib.domain.audit import SYSTEM
from chalicelib.domain.closures import cited_setting, with_excluded_days
from chalicelib.domain.conflicts import retry_on_conflict
from chalicelib.domain.decision import (
    THANK_YOU,
    Decision,
    Defer,
    Escalate,
    Nothing,
    Notify,
    Paused,
    Send,
    Thank,
    Withhold,
    apply_withheld,
    decide,
    skip_superseded,
)
from chalicelib.domain.finance_events import finance_event
from chalicelib.domain.holiday_hints import with_hint
from chalicelib.domain.messages import EMAIL, message_id
from chalicelib.domain.notices import advance
from chalicelib.domain.offers import plan_possible
from chalicelib.domain.outcomes import Outcome
from chalicelib.domain.policies import Policy
from chalicelib.domain.schedule import DueStep, next_wake, recipient_zones, refresh_schedule, zone
from chalicelib.domain.sending import SEND_LEASE, Message, ReminderStep, ThankYou, step_details
from chalicelib.domain.tenants import Tenant
from chalicelib.domain.times import iso

if TYPE_CHECKING:  # annotations only: the queue worker never loads every port
    from chalicelib.domain.ports import (
        AccountRepository,
        Clock,
        HolidayCalendar,
        MessageDelivery,
        NoticeCarrier,
        PolicyBook,
        TenantLookup,
    )

__all__ = ["SEND_LEASE", "Outcome", "RemindService"]  # what the worker and its tests name from here


class RemindService:
    def __init__(self, *, accounts: AccountRepository, policies: PolicyBook, tenants: TenantLookup,
                 delivery: MessageDelivery, notices: NoticeCarrier, holidays: HolidayCalendar, clock: Clock) -> None:
        self._accounts = accounts
        self._policies = policies
        self._tenants = tenants
        self._delivery = delivery
        self._holidays = holidays
        self._clock = clock
        self._notices = notices

    def process(self, tenant_id: str, account_id: str, snapshot: dict[str, Any] | None = None,
                holidays: dict[str, Any] | None = None) -> Outcome:
        """Evaluate one account. A snapshot from the sweep saves a read; every write is conditional on its
        version, so a stale one only costs a retry from a fresh read. `holidays` is the sweep's holiday hint
        (domain/holiday_hints.py): the calendar answers from it where it covers the debtor's place and day."""
        snapshots = iter([snapshot] if snapshot is not None else [])
        calendar = with_hint(self._holidays, holidays)

        def once() -> Outcome:
            first = next(snapshots, None)
            if first is not None:
                return self._process_once(self._accounts.from_snapshot(first), calendar)
            return self._process_once(self._accounts.get(tenant_id, account_id), calendar)

        return retry_on_conflict(once)

    def _process_once(self, account: Account | None, holidays: HolidayCalendar) -> Outcome:
        now = self._clock.now()
        if account is None:
            return Outcome("skipped", "not_found")
        if account.next_action_at is None or account.next_action_at > now:
            return Outcome("skipped", "not_due")
        tenant = self._tenants.get(account.tenant_id)
        if tenant is None:
            return Outcome("skipped", "tenant_not_found")
        policy = self._policies.for_account(account)
        refresh_schedule(account, policy)
        if account.state != HELD:
            for event_type, details in advance(account, policy, now):  # an instalment missed, an offer made...
                account.record(now, event_type, SYSTEM, details)
            refresh_schedule(account, policy)
        calendar = with_excluded_days(holidays, tenant.excluded_days)
        return self._carry_out(account, tenant, policy, decide(account, policy, now, calendar), now)

    def _carry_out(self, account: Account, tenant: Tenant, policy: Policy, decision: Decision, now: datetime
                   ) -> Outcome:
        if isinstance(decision, Nothing):
            if decision.reason == "held":
                account.pending_thanks = None
            else:
                account.next_action_at = next_wake(account, policy, now)
            self._accounts.save(account)
            return Outcome("skipped", decision.reason)
        if isinstance(decision, Paused):
            account.next_action_at = next_wake(account, policy, now)
            account.updated_at = now
            self._accounts.save(account)
            return Outcome("skipped", decision.rule)
        if isinstance(decision, Notify | Defer | Withhold) and decision.notice is not None:
            return self._notices.carry_out(account, tenant, policy, decision, now)
        if isinstance(decision, Thank | Defer | Withhold) and decision.thanks is not None:
            return self._thank(account, tenant, policy, decision, now)
        due = decision.due if not isinstance(decision, Thank | Notify) else None
        if due is None:
            return self._settled(account, decision.rule if isinstance(decision, Withhold) else "", now)
        if due.superseded:
            skip_superseded(account, policy, due)
            account.record(now, "steps_skipped", SYSTEM, {
                "steps": [policy.steps[i].key for i in due.superseded],
                "reason": "a later step came due first; only the latest is sent",
            })
        if isinstance(decision, Withhold):
            return self._withhold(account, policy, decision, now)
        if isinstance(decision, Defer):
            return self._defer(account, due, decision, now)
        assert isinstance(decision, Send | Escalate)
        return self._delivery.send(account, tenant, self._step_message(account, policy, due, decision, now), now)

    # --- outcomes that send nothing -----------------------------------------------------------------
    def _settled(self, account: Account, rule: str, now: datetime) -> Outcome:
        account.record(now, "message_withheld", SYSTEM, {"rule": rule, "next_action_at": None})
        account.updated_at = now
        self._accounts.save(account)
        return Outcome("withheld", rule)

    def _withhold(self, account: Account, policy: Policy, decision: Withhold, now: datetime) -> Outcome:
        due = decision.due
        assert due is not None
        apply_withheld(account, policy, decision)
        account.updated_at = now
        account.record(now, "message_withheld", SYSTEM, {
            **step_details(due), "rule": decision.rule,
            "step_spent": not decision.holds_step,
            "next_action_at": iso(account.next_action_at) if account.next_action_at else None,
        })
        self._accounts.save(account)
        return Outcome("withheld", decision.rule, due.step.channel, due.step.template)

    def _defer(self, account: Account, due: DueStep, decision: Defer, now: datetime) -> Outcome:
        account.next_action_at = decision.until
        account.updated_at = now
        local = decision.until.astimezone(zone(recipient_zones(account)[0]))
        account.record(now, "message_deferred", SYSTEM, {
            **step_details(due), "rule": decision.rule, "until": iso(decision.until), "local_until": local.isoformat(),
            **cited_setting(decision.rule),
            **({"timing": decision.timing} if decision.timing else {}),
        })
        self._accounts.save(account)
        return Outcome("deferred", decision.rule, due.step.channel, due.step.template, until=decision.until)

    # --- a thank-you for a payment ------------------------------------------------------------------
    def _thank(self, account: Account, tenant: Tenant, policy: Policy, decision: Thank | Defer | Withhold,
               now: datetime) -> Outcome:
        thanks = decision.thanks
        assert thanks is not None
        details = _thanks_details(thanks)
        account.updated_at = now
        if isinstance(decision, Defer):
            account.pending_thanks = replace(thanks, not_before=decision.until)
            refresh_schedule(account, policy)
            account.record(now, "message_deferred", SYSTEM, {**details, "rule": decision.rule,
                                                              "until": iso(decision.until)})
            self._accounts.save(account)
            return Outcome("deferred", decision.rule, EMAIL, THANK_YOU, until=decision.until)
        account.pending_thanks = None
        refresh_schedule(account, policy)
        if isinstance(decision, Withhold):
            account.record(now, "message_withheld", SYSTEM, {**details, "rule": decision.rule})
            self._accounts.save(account)
            return Outcome("withheld", decision.rule, EMAIL, THANK_YOU)
        anchor = account.anchor()
        return self._delivery.send(account, tenant, Message(
            message_id=message_id(account.tenant_id, account.account_id, "thanks", thanks.payment),
            channel=EMAIL, template=THANK_YOU, step_key=f"thanks:{thanks.payment}", cycle="thanks",
            kind=ThankYou(policy, thanks), details=details, due_on=anchor[1] if anchor else now.date(),
        ), now)

    # --- a policy step: an email, an SMS, or the hand-over to a person ------------------------------------------
    def _step_message(self, account: Account, policy: Policy, due: DueStep, decision: Send | Escalate,
                      now: datetime) -> Message:
        step, kind = due.step, ReminderStep(policy, due)
        msg_id = message_id(account.tenant_id, account.account_id, due.cycle, step.key)
        if isinstance(decision, Escalate):  # personal-data-free, at most once (through the outbox)
            event = finance_event("escalation", account.tenant_id, account.account_id, now, about=msg_id,
                                  balance=account.balance(), step=step.key, reason=decision.reason)
            return Message(message_id=msg_id, channel=step.channel or step.action or EMAIL,
                           template=step.template or step.action or "", step_key=step.key, cycle=due.cycle,
                           kind=kind, details=kind.details(), hand_over=event, sent_as="escalated")
        timing = {"timing": decision.timing} if decision.timing else {}  # why at this hour (engagement.py)
        return Message(message_id=msg_id, channel=step.channel or EMAIL, template=step.template or "",
                       step_key=step.key, cycle=due.cycle, kind=kind, details={**kind.details(), **timing},
                       due_on=due.due_on,
                       plan_possible=plan_possible(account.undisputed_balance().values(), policy.plans))


def _thanks_details(thanks: PendingThanks) -> dict[str, Any]:
    return {"template": THANK_YOU, "channel": EMAIL, "payment": thanks.payment}
