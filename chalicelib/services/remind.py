"""Evaluate one due account: pick the step, pass the courtesy guard, send at most once, record why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from chalicelib.domain.accounts import Account, PendingThanks
from chalicelib.domain.audit import SYSTEM, iso
from chalicelib.domain.decision import (
    THANK_YOU,
    Decision,
    Defer,
    Escalate,
    Nothing,
    Send,
    Thank,
    Withhold,
    apply_delivered,
    apply_withheld,
    decide,
    remember_send,
    skip_superseded,
)
from chalicelib.domain.errors import Conflict, PermanentSendError, Throttled
from chalicelib.domain.finance_events import finance_event
from chalicelib.domain.links import ShortLink
from chalicelib.domain.messages import (
    EMAIL,
    FAILED,
    PENDING,
    RETRY,
    SENT,
    SMS,
    InvoiceLine,
    MessageContext,
    MessageTooLong,
    RenderedMessage,
    account_tag,
    delivery_problem,
    message_id,
    retry_after,
)
from chalicelib.domain.policies import ESCALATE, Policy
from chalicelib.domain.ports import (
    AccountRepository,
    Clock,
    EmailSender,
    FinanceNotifier,
    HolidayCalendar,
    Renderer,
    SmsSender,
)
from chalicelib.domain.schedule import DueStep, mark_handled, next_action_at, recipient_zones, refresh_schedule, zone
from chalicelib.domain.tenants import Tenant
from chalicelib.services.links import LinkService
from chalicelib.services.policies import PolicyService
from chalicelib.services.tenants import TenantService

# While a send is in flight the account is parked this long, so no other worker picks it up.
SEND_LEASE = timedelta(minutes=10)
CONFLICT_RETRIES = 3
RETRIES_EXHAUSTED = "retries_exhausted"


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | withheld | deferred | escalated | failed | skipped
    reason: str | None = None
    channel: str | None = None
    template: str | None = None
    until: datetime | None = None
    message_id: str | None = None


@dataclass(frozen=True)
class Failure:
    """What a failed send comes to: tried again at `retry_at` (through the guard again), or given up for good."""

    reason: str
    retry_at: datetime | None
    details: dict[str, Any]

    @property
    def status(self) -> str:
        return RETRY if self.retry_at is not None else FAILED


class RemindService:
    def __init__(
        self, *, accounts: AccountRepository, policies: PolicyService, tenants: TenantService, renderer: Renderer,
        email: EmailSender, sms: SmsSender, notifier: FinanceNotifier, links: LinkService, holidays: HolidayCalendar,
        clock: Clock,
    ) -> None:
        self._accounts = accounts
        self._policies = policies
        self._tenants = tenants
        self._renderer = renderer
        self._email = email
        self._sms = sms
        self._notifier = notifier
        self._links = links
        self._holidays = holidays
        self._clock = clock

    def process(self, tenant_id: str, account_id: str, snapshot: dict[str, Any] | None = None) -> Outcome:
        """Evaluate one account. A snapshot from the sweep saves a read; every write is conditional on its
        version, so a stale one only costs a retry from a fresh read."""
        for attempt in range(CONFLICT_RETRIES):
            account: Account | None
            try:
                if snapshot is not None and attempt == 0:
                    account = self._accounts.from_snapshot(snapshot)
                else:
                    account = self._accounts.get(tenant_id, account_id)
                return self._process_once(account)
            except Conflict:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    # --- one pass over one account ----------------------------------------------------------------
    def _process_once(self, account: Account | None) -> Outcome:
        now = self._clock.now()
        if account is None:
            return Outcome("skipped", "not_found")
        if account.next_action_at is None or account.next_action_at > now:
            return Outcome("skipped", "not_due")
        tenant = self._tenants.get(account.tenant_id)
        if tenant is None:
            return Outcome("skipped", "tenant_not_found")
        policy = self._policies.resolve(account.tenant_id, account.policy)
        refresh_schedule(account, policy)
        return self._carry_out(account, tenant, policy, decide(account, policy, now, self._holidays), now)

    def _carry_out(self, account: Account, tenant: Tenant, policy: Policy, decision: Decision, now: datetime
                   ) -> Outcome:
        if isinstance(decision, Nothing):
            if decision.reason == "held":
                account.pending_thanks = None
            else:
                account.next_action_at = next_action_at(account, policy)
            self._accounts.save(account)
            return Outcome("skipped", decision.reason)
        if isinstance(decision, Thank | Defer | Withhold) and decision.thanks is not None:
            return self._thank(account, tenant, policy, decision, now)
        due = decision.due if not isinstance(decision, Thank) else None
        if due is None:
            return self._settled(account, decision.rule if isinstance(decision, Withhold) else "", now)
        if due.superseded:
            skip_superseded(account, policy, due)
            account.record(now, "steps_skipped", SYSTEM, {
                "steps": [policy.steps[i].key for i in due.superseded],
                "reason": "a later step came due first; only the latest is sent",
            })
        if isinstance(decision, Escalate):
            return self._hand_over(account, tenant, policy, due, now, decision.reason)
        if isinstance(decision, Withhold):
            return self._withhold(account, policy, decision, now)
        if isinstance(decision, Defer):
            return self._defer(account, due, decision, now)
        assert isinstance(decision, Send)
        return self._send(account, tenant, policy, due, now)

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
            **_step_details(due), "rule": decision.rule,
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
            **_step_details(due), "rule": decision.rule, "until": iso(decision.until),
            "local_until": local.isoformat(),
        })
        self._accounts.save(account)
        return Outcome("deferred", decision.rule, due.step.channel, due.step.template, until=decision.until)

    def _hand_over(self, account: Account, tenant: Tenant, policy: Policy, due: DueStep, now: datetime,
                   reason: str) -> Outcome:
        """Publish a personal-data-free escalation to the finance topic, at most once (through the outbox)."""
        def publish(msg_id: str) -> str:
            self._notifier.publish(tenant.tenant_id, finance_event(
                "escalation", tenant.tenant_id, account.account_id, now, about=msg_id,
                balance=account.balance(), step=due.step.key, reason=reason))
            return "finance-topic"

        return self._dispatch(account, policy, due, now, publish)

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
        return self._send_thanks(account, tenant, policy, thanks, now)

    def _send_thanks(self, account: Account, tenant: Tenant, policy: Policy, thanks: PendingThanks, now: datetime
                     ) -> Outcome:
        """Claim the thank-you in the outbox with the account (so it is sent once), deliver, record."""
        details = _thanks_details(thanks)
        anchor = account.anchor()
        context = self._context(account, tenant, THANK_YOU, EMAIL, anchor[1] if anchor else now.date(), now)
        rendered = self._renderer.render(context)
        msg_id = message_id(account.tenant_id, account.account_id, "thanks", thanks.payment)
        claimed = self._accounts.claim_message(account, {
            "message_id": msg_id, "tenant_id": account.tenant_id, "account_id": account.account_id,
            "channel": EMAIL, "template": THANK_YOU, "step_key": f"thanks:{thanks.payment}", "cycle": "thanks",
            "status": PENDING, "created_at": iso(now), "updated_at": iso(now),
        })
        if not claimed:  # already thanked for this payment: never twice
            reloaded = self._accounts.get(account.tenant_id, account.account_id) or account
            reloaded.pending_thanks = None
            refresh_schedule(reloaded, policy)
            self._accounts.save(reloaded)
            return Outcome("skipped", "already_sent", EMAIL, THANK_YOU, message_id=msg_id)
        status, provider_id, reason, retry_at, extra = SENT, None, None, None, {}
        try:
            provider_id = self._deliver(account, tenant, EMAIL, rendered, msg_id)
        except Exception as exc:  # noqa: BLE001 - a refusal is final; anything else is tried again, within the cap
            failure = self._failure(account, EMAIL, msg_id, now, exc)
            status, reason, retry_at, extra = failure.status, failure.reason, failure.retry_at, failure.details

        def apply(current: Account) -> tuple[str, dict[str, Any]]:
            if retry_at is not None:
                current.pending_thanks = PendingThanks(thanks.payment, retry_at)
                refresh_schedule(current, policy)
            elif status == SENT:
                remember_send(current, EMAIL, msg_id, now)
            event_type = {SENT: "message_sent", RETRY: "message_delayed", FAILED: "message_failed"}[status]
            return event_type, {**details, **extra}

        self._record_delivery(account, msg_id, status, now, apply, provider_id, reason)
        kind = {SENT: "sent", RETRY: "deferred", FAILED: "failed"}[status]
        return Outcome(kind, reason, EMAIL, THANK_YOU, until=retry_at, message_id=msg_id)

    # --- sending, at most once ----------------------------------------------------------------------
    def _send(self, account: Account, tenant: Tenant, policy: Policy, due: DueStep, now: datetime) -> Outcome:
        channel = due.step.channel or EMAIL
        short_link = None
        context = self._context(account, tenant, due.step.template or "", due.step.channel or EMAIL, due.due_on, now)
        if channel == SMS:  # a signed link is too long for two SMS segments: a stored short code stands in
            portal_url, short_link = self._links.short_portal_link(account.tenant_id, account.account_id, now)
            context = replace(context, portal_url=portal_url)
        try:
            rendered = self._renderer.render(context)  # also sets the List-Unsubscribe headers for email
        except MessageTooLong:  # never send a split, garbled SMS; the step is recorded as withheld
            return self._withhold(account, policy, Withhold("message_too_long", due), now)
        return self._dispatch(account, policy, due, now,
                              lambda msg_id: self._deliver(account, tenant, channel, rendered, msg_id), short_link)

    def _dispatch(self, account: Account, policy: Policy, due: DueStep, now: datetime,
                  deliver: Callable[[str], str], short_link: ShortLink | None = None) -> Outcome:
        """Claim the outbox entry (with the account, in one transaction), deliver, record the outcome."""
        step = due.step
        msg_id = message_id(account.tenant_id, account.account_id, due.cycle, step.key)
        account.next_action_at = now + SEND_LEASE
        account.updated_at = now
        claimed = self._accounts.claim_message(account, {
            "message_id": msg_id, "tenant_id": account.tenant_id, "account_id": account.account_id,
            "channel": step.channel or step.action, "template": step.template or step.action, "step_key": step.key,
            "cycle": due.cycle, "status": PENDING, "created_at": iso(now), "updated_at": iso(now),
        }, short_link)
        if not claimed:
            return self._already_claimed(account, policy, due, msg_id, now)
        try:
            provider_id = deliver(msg_id)
        except Exception as exc:  # noqa: BLE001 - a refusal is final; anything else is tried again, within the cap
            failure = self._failure(account, step.channel or step.action or EMAIL, msg_id, now, exc)
            return self._finish(account, policy, due, msg_id, failure.status, now, reason=failure.reason,
                                error=None if isinstance(exc, PermanentSendError) else exc,
                                retry_at=failure.retry_at, extra=failure.details)
        return self._finish(account, policy, due, msg_id, SENT, now, provider_id=provider_id)

    def _failure(self, account: Account, channel: str, msg_id: str, now: datetime, exc: Exception) -> Failure:
        """A provider's refusal is final. Any other error is passing: the message is tried again after a growing
        wait (messages.retry_after) until its tries are spent, then given up. Finance hears of a message given up
        as a delivery_problem, told before the failure is recorded: should the record fail, the outbox claim keeps
        the message from being tried (or reported) again."""
        if isinstance(exc, PermanentSendError):
            failure = Failure(str(exc), None, {})
        else:
            passing = "provider_throttled" if isinstance(exc, Throttled) else "provider_error"
            attempt = self._accounts.message_attempts(account.tenant_id, account.account_id, msg_id)
            wait = retry_after(attempt)
            if wait is not None:
                return Failure(passing, now + wait, {"attempt": attempt})
            failure = Failure(RETRIES_EXHAUSTED, None, {"attempt": attempt, "last_error": passing})
        told = self._tell_finance(account, channel, msg_id, failure.reason, now)
        return replace(failure, details={**failure.details, "finance_told": told})

    def _tell_finance(self, account: Account, channel: str, msg_id: str, reason: str, now: datetime) -> bool:
        try:
            self._notifier.publish(account.tenant_id, delivery_problem(
                account.tenant_id, account.account_id, now, channel, "failed", about=msg_id, message_id=msg_id,
                reason=reason))
        except Exception:  # noqa: BLE001 - the failure is recorded all the same; its audit event says finance missed it
            return False
        return True

    def _deliver(self, account: Account, tenant: Tenant, channel: str, rendered: RenderedMessage, msg_id: str
                 ) -> str:
        tags = {"tenant_id": account.tenant_id, "account": account_tag(account.account_id), "message_id": msg_id}
        address = account.email if channel == EMAIL else account.phone
        if not address:  # the guard lets nothing out to a missing address; refused for good, never retried
            raise PermanentSendError(f"no_{channel}_address")
        if channel == EMAIL:
            return self._email.send(sender=tenant.sender_email, sender_name=tenant.name,
                                    recipient=address, message=rendered, tags=tags)
        return self._sms.send(phone=address, text=rendered.text, sender_id=tenant.sms_sender_id, tags=tags)

    def _finish(self, account: Account, policy: Policy, due: DueStep, msg_id: str, status: str, now: datetime, *,
                provider_id: str | None = None, reason: str | None = None, error: Exception | None = None,
                retry_at: datetime | None = None, extra: dict[str, Any] | None = None) -> Outcome:
        """Record the outcome with the account in one transaction; re-read and re-apply if it moved meanwhile."""
        escalation = due.step.action == ESCALATE

        def apply(current: Account) -> tuple[str, dict[str, Any]]:
            event_type = _apply_outcome(current, policy, due, msg_id, status, now, retry_at)
            return event_type, {
                **_step_details(due), "error": type(error).__name__ if error else None,
                "next_action_at": iso(current.next_action_at) if current.next_action_at else None, **(extra or {}),
            }

        account = self._record_delivery(account, msg_id, status, now, apply, provider_id, reason)
        step = due.step
        if status == SENT:
            kind = "escalated" if escalation else "sent"
            return Outcome(kind, None, step.channel, step.template, message_id=msg_id)
        if status == RETRY:
            return Outcome("deferred", reason, step.channel, step.template, until=account.next_action_at)
        return Outcome("failed", reason, step.channel, step.template, message_id=msg_id)

    def _record_delivery(self, account: Account, msg_id: str, status: str, now: datetime,
                         apply: Callable[[Account], tuple[str, dict[str, Any]]], provider_id: str | None,
                         reason: str | None) -> Account:
        """Record a delivery attempt with the account in one transaction; `apply` moves the account on and says
        what to audit. If the account moved meanwhile, re-read it and apply again."""
        for attempt in range(CONFLICT_RETRIES):
            event_type, details = apply(account)
            account.updated_at = now
            account.record(now, event_type, SYSTEM, {**details, "message_id": msg_id,
                                                     "provider_message_id": provider_id, "reason": reason})
            try:
                self._accounts.finish_message(account, msg_id, status, {"provider_message_id": provider_id,
                                                                         "reason": reason})
                return account
            except Conflict:
                if attempt == CONFLICT_RETRIES - 1:
                    raise
                account = self._accounts.get(account.tenant_id, account.account_id) or account
        raise AssertionError("unreachable")

    def _already_claimed(self, account: Account, policy: Policy, due: DueStep, msg_id: str, now: datetime
                         ) -> Outcome:
        """The outbox already holds this message: never send it again, only bring the account up to date."""
        reloaded = self._accounts.get(account.tenant_id, account.account_id) or account
        status = self._accounts.message_status(account.tenant_id, account.account_id, msg_id)
        mark_handled(reloaded, policy, max(reloaded.last_step, due.index))
        refresh_schedule(reloaded, policy)
        reloaded.updated_at = now
        reloaded.record(now, "message_not_resent", SYSTEM, {
            **_step_details(due), "message_id": msg_id, "outbox_status": status,
            "reason": "the outbox already holds this message; a message is sent at most once",
        })
        self._accounts.save(reloaded)
        return Outcome("skipped", "already_sent", due.step.channel, due.step.template, message_id=msg_id)

    def _context(self, account: Account, tenant: Tenant, template: str, channel: str, due_on: date, now: datetime
                 ) -> MessageContext:
        open_invoices = account.open_invoices()
        return MessageContext(
            template=template,
            channel=channel,
            locale=account.message_locale,
            tenant_name=tenant.name,
            tenant_role=tenant.role,
            support_email=tenant.support_email,
            debtor_name=account.name,
            balances=tuple((amount, currency) for currency, amount in account.balance().items() if amount > 0),
            invoices=tuple(InvoiceLine(i.invoice_id, i.amount, i.currency, i.due_on, account.pay_url(i))
                           for i in open_invoices),
            due_on=due_on,
            portal_url=self._links.portal_url(account.tenant_id, account.account_id, now),
            unsubscribe_url=self._links.unsubscribe_url(account.tenant_id, account.account_id, now),
            timezone=recipient_zones(account)[0],
        )


def _apply_outcome(account: Account, policy: Policy, due: DueStep, msg_id: str, status: str, now: datetime,
                   retry_at: datetime | None = None) -> str:
    """Move the account on after a delivery attempt; return the audit event type that says what happened."""
    if status == RETRY:
        assert retry_at is not None
        account.next_action_at = retry_at
        return "message_delayed"
    if status == SENT:
        apply_delivered(account, policy, due, msg_id, now)
        return "escalated" if due.step.action == ESCALATE else "message_sent"
    mark_handled(account, policy, due.index)
    refresh_schedule(account, policy)
    return "message_failed"


def _thanks_details(thanks: PendingThanks) -> dict[str, Any]:
    return {"template": THANK_YOU, "channel": EMAIL, "payment": thanks.payment}


def _step_details(due: DueStep) -> dict[str, Any]:
    return {"step": due.step.key, "channel": due.step.channel, "template": due.step.template, "cycle": due.cycle}
