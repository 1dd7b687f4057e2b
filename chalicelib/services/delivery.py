"""The one way a message goes out, whatever it is (a reminder step, a thank-you, later a plan's heads-up):
claim it in the outbox with the account (one transaction, so it is sent at most once), deliver it (email, SMS,
or the finance topic for a hand-over), then record how it went with the account (status, audit event, the retry
schedule on a passing failure, finance told when it is given up)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from msgspec import Struct
from msgspec.structs import replace

from chalicelib.domain.accounts import Account
from chalicelib.domain.audit import SYSTEM
from chalicelib.domain.conflicts import retry_on_conflict
from chalicelib.domain.errors import SMS_OPTED_OUT, OptedOut, PermanentSendError, Throttled
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
    account_tag,
    delivery_problem,
    instalment_lines,
    next_instalment,
    promise_terms,
    retry_after,
    settlement_terms,
)
from chalicelib.domain.offers import settlement_stands
from chalicelib.domain.outcomes import Outcome
from chalicelib.domain.schedule import local_day, recipient_zones
from chalicelib.domain.sending import Attempt, Message
from chalicelib.domain.sms_consent import opt_out_of_sms
from chalicelib.domain.tenants import Tenant
from chalicelib.domain.times import iso

if TYPE_CHECKING:  # annotations only: the queue worker never loads every port
    from chalicelib.domain.ports import AccountRepository, EmailSender, FinanceNotifier, Links, Renderer, SmsSender

RETRIES_EXHAUSTED = "retries_exhausted"
SNS = "sns"  # the actor and source of an opt-out found on SNS's own list
MESSAGE_TOO_LONG = "message_too_long"  # an SMS over two segments is never sent split and garbled
OUTCOME_OF = {SENT: "sent", RETRY: "deferred", FAILED: "failed"}


class Failure(Struct, frozen=True):
    """What a failed try comes to: tried again at `retry_at` (through the guard again), or given up for good."""

    reason: str
    retry_at: datetime | None
    details: dict[str, Any]
    error: str | None = None  # the type of a passing error

    @property
    def status(self) -> str:
        return RETRY if self.retry_at is not None else FAILED


class Delivery:
    def __init__(self, *, accounts: AccountRepository, renderer: Renderer, email: EmailSender, sms: SmsSender,
                 notifier: FinanceNotifier, links: Links) -> None:
        self._accounts = accounts
        self._renderer = renderer
        self._email = email
        self._sms = sms
        self._notifier = notifier
        self._links = links

    def send(self, account: Account, tenant: Tenant, message: Message, now: datetime) -> Outcome:
        """Claim, deliver, record. A message already in the outbox is never sent again."""
        deliver, short_link = self._prepare(account, tenant, message, now)
        message.kind.claimed(account, now)
        account.updated_at = now
        if not self._accounts.claim_message(account, _outbox_entry(account, message, now), short_link):
            return self._not_resent(account, message, now)
        try:
            provider_id, failure = deliver(), None
        except Exception as exc:  # noqa: BLE001 - a refusal is final; anything else is tried again, within the cap
            provider_id, failure = None, self._failure(account, message, now, exc)
        status = failure.status if failure else SENT
        attempt = Attempt(status, message.message_id, now, failure.retry_at if failure else None,
                          failure.error if failure else None)
        self._record(account, message, attempt, provider_id, failure)
        reason = failure.reason if failure else None
        kind = message.sent_as if status == SENT else OUTCOME_OF[status]
        return Outcome(kind, reason, *message.shown_as, until=attempt.retry_at, message_id=message.message_id)

    # --- before the claim: what to send, and how ------------------------------------------------------------------
    def _prepare(self, account: Account, tenant: Tenant, message: Message, now: datetime
                 ) -> tuple[Callable[[], str], ShortLink | None]:
        """Rendered before the claim: a message too long to send is refused for good without reaching a provider."""
        hand_over = message.hand_over
        if hand_over is not None:
            return lambda: self._publish(account, hand_over), None
        short_link = None
        context = self._context(account, tenant, message, now)
        if message.channel == SMS:  # a signed link is too long for two SMS segments: a stored short code stands in
            portal_url, short_link = self._links.short_portal_link(account.tenant_id, account.account_id, now)
            context = replace(context, portal_url=portal_url)
        try:
            rendered = self._renderer.render(context)  # also sets the List-Unsubscribe headers for email
        except MessageTooLong:
            return _refused(MESSAGE_TOO_LONG), short_link
        address = account.email if message.channel == EMAIL else account.phone
        if not address:  # nothing goes out to a missing address: refused for good, never retried
            return _refused(f"no_{message.channel}_address"), short_link
        tags = {"tenant_id": account.tenant_id, "account": account_tag(account.account_id),
                "message_id": message.message_id}
        if message.channel == EMAIL:
            return lambda: self._email.send(sender=tenant.sender_email, sender_name=tenant.brand,
                                            recipient=address, message=rendered, tags=tags,
                                            reply_to=tenant.reply_address), short_link
        return lambda: self._sms.send(phone=address, text=rendered.text, sender_id=tenant.sms_sender_id,
                                      tags=tags), short_link

    def _publish(self, account: Account, event: dict[str, Any]) -> str:
        self._notifier.publish(account.tenant_id, event)
        return "finance-topic"

    def _context(self, account: Account, tenant: Tenant, message: Message, now: datetime) -> MessageContext:
        return MessageContext(
            template=message.template,
            channel=message.channel,
            locale=account.message_locale,
            tenant_name=tenant.brand,
            legal_name=tenant.name if tenant.brand != tenant.name else None,
            tenant_role=tenant.role,
            support_email=tenant.support_email,
            debtor_name=account.name,
            balances=tuple((amount, currency) for currency, amount in account.undisputed_balance().items()
                           if amount > 0),
            invoices=tuple(InvoiceLine(i.invoice_id, i.amount, i.currency, i.due_on, account.pay_url(i))
                           for i in account.undisputed_invoices()),
            due_on=message.due_on or now.date(),
            portal_url=self._links.portal_url(account.tenant_id, account.account_id, now),
            unsubscribe_url=self._links.unsubscribe_url(account.tenant_id, account.account_id, now),
            timezone=recipient_zones(account)[0],
            plan_possible=message.plan_possible,
            **_arrangement_context(account, now),
        )

    # --- after the try ----------------------------------------------------------------------------------------------
    def _failure(self, account: Account, message: Message, now: datetime, exc: Exception) -> Failure:
        """A provider's refusal is final. Any other error is passing: the message is tried again after a growing
        wait (messages.retry_after) until its tries are spent, then given up. Finance hears of a message given up
        as a delivery_problem, told before the failure is recorded: should the record fail, the outbox claim keeps
        the message from being tried (or reported) again. A number on SNS's opt-out list is not a delivery problem
        but the debtor's choice, as a STOP reply is: the account stops getting SMS, and finance is not told."""
        if isinstance(exc, OptedOut):
            return Failure(SMS_OPTED_OUT, None, {})
        if isinstance(exc, PermanentSendError):
            failure = Failure(str(exc), None, {})
        else:
            passing = "provider_throttled" if isinstance(exc, Throttled) else "provider_error"
            attempt = self._accounts.message_attempts(account.tenant_id, account.account_id, message.message_id)
            wait = retry_after(attempt)
            if wait is not None:
                return Failure(passing, now + wait, {"attempt": attempt}, type(exc).__name__)
            failure = Failure(RETRIES_EXHAUSTED, None, {"attempt": attempt, "last_error": passing}, type(exc).__name__)
        told = self._tell_finance(account, message, failure.reason, now)
        return replace(failure, details={**failure.details, "finance_told": told})

    def _tell_finance(self, account: Account, message: Message, reason: str, now: datetime) -> bool:
        try:
            self._notifier.publish(account.tenant_id, delivery_problem(
                account.tenant_id, account.account_id, now, message.channel, "failed", about=message.message_id,
                message_id=message.message_id, reason=reason))
        except Exception:  # noqa: BLE001 - the failure is recorded all the same; its audit event says finance missed it
            return False
        return True

    def _record(self, account: Account, message: Message, attempt: Attempt, provider_id: str | None,
                failure: Failure | None) -> None:
        """Record the try with the account in one transaction; if the account moved meanwhile, re-read it and
        move it on again."""
        reason = failure.reason if failure else None
        extra = failure.details if failure else {}
        accounts = iter([account])

        def once() -> None:
            current = next(accounts, None) or self._accounts.get(account.tenant_id, account.account_id) or account
            event_type, moved = message.kind.finished(current, attempt)
            current.updated_at = attempt.at
            current.record(attempt.at, event_type, SYSTEM, {
                **message.details, **moved, **extra, "message_id": message.message_id,
                "provider_message_id": provider_id, "reason": reason})
            if reason == SMS_OPTED_OUT:  # once, with the failure: later steps are withheld, not failed again
                opt_out_of_sms(current, attempt.at, SNS, "sns_opt_out_list")
            self._accounts.finish_message(current, message.message_id, attempt.status,
                                          {"provider_message_id": provider_id, "reason": reason})

        retry_on_conflict(once)

    def _not_resent(self, account: Account, message: Message, now: datetime) -> Outcome:
        """The outbox already holds this message: never send it again, only bring the account up to date."""
        current = self._accounts.get(account.tenant_id, account.account_id) or account
        status = self._accounts.message_status(account.tenant_id, account.account_id, message.message_id)
        message.kind.already_claimed(current, message.message_id, status, now)
        current.updated_at = now
        self._accounts.save(current)
        return Outcome("skipped", "already_sent", *message.shown_as, message_id=message.message_id)


def _arrangement_context(account: Account, now: datetime) -> dict[str, Any]:
    """The plan (active, or just ended), the settlement offer (standing, or accepted) and the promise to pay a
    message may name."""
    fields: dict[str, Any] = {}
    plan = account.plan
    if plan is not None:
        from chalicelib.domain.plans import ACTIVE, CANCELLED  # only with a plan: most reminders have none

        if plan.status != CANCELLED:
            lines = instalment_lines(plan.instalments, plan.currency)
            coming = [line for line in lines if line.status == "due"]  # a missed one has its own nudge
            fields.update(instalments=lines, next_instalment=next_instalment(coming or lines),
                          plan_active=plan.status == ACTIVE)
    offer = account.settlement_offer
    today = local_day(now, recipient_zones(account))
    if offer is not None and (offer.accepted_at is not None or settlement_stands(offer, today)):
        fields["settlement"] = settlement_terms(offer)
    if account.promise is not None:
        fields["promise"] = promise_terms(account.promise)
    return fields


def _outbox_entry(account: Account, message: Message, now: datetime) -> dict[str, Any]:
    return {"message_id": message.message_id, "tenant_id": account.tenant_id, "account_id": account.account_id,
            "channel": message.channel, "template": message.template, "step_key": message.step_key,
            "cycle": message.cycle, "status": PENDING, "created_at": iso(now), "updated_at": iso(now)}


def _refused(reason: str) -> Callable[[], str]:
    def deliver() -> str:
        raise PermanentSendError(reason)

    return deliver
