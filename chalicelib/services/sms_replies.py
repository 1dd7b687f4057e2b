"""A text from a debtor (API.md, "Messages from the debtor"): STOP opts the number out of SMS for every account that
has it, in every tenant, with one confirmation; START gives consent again; HELP gets one answer naming the tenant;
anything else is kept for the tenant's people, told to finance, and holds reminders to that account for two working
days. Each inbound message is handled once, however often SNS delivers it.

Which account a HELP or a reply is about: the one whose SMS it answers (`previousPublishedMessageId`, the id SNS
gave our message), else the account with that number texted most recently."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from msgspec.structs import replace

from chalicelib.domain.accounts import Account, found_account
from chalicelib.domain.audit import SYSTEM
from chalicelib.domain.conflicts import retry_on_conflict
from chalicelib.domain.errors import PermanentSendError
from chalicelib.domain.messages import FAILED, PENDING, SENT, SMS, MessageContext, MessageTooLong, account_tag
from chalicelib.domain.ports import (
    AccountRepository,
    Clock,
    DebtorReplies,
    FinanceNotifier,
    HolidayCalendar,
    Links,
    Renderer,
    SmsSender,
    TenantLookup,
)
from chalicelib.domain.schedule import local_day, recipient_zones
from chalicelib.domain.sms_consent import opt_back_in_to_sms, opt_out_of_sms
from chalicelib.domain.sms_replies import (
    DEBTOR_SMS,
    HELP,
    HELP_REPLY,
    REPLY_KEPT_FOR,
    SEEN_KEPT_FOR,
    START,
    START_CONFIRMED,
    STOP,
    STOP_CONFIRMED,
    DebtorReply,
    InboundSms,
    debtor_replied,
    note_reply,
    reply_wait_until,
)
from chalicelib.domain.times import iso

STOP_REASON = "stop_reply"
CONSENT_SOURCE = "sms-reply"


class SmsReplies:
    def __init__(self, *, accounts: AccountRepository, replies: DebtorReplies, tenants: TenantLookup, links: Links,
                 renderer: Renderer, sms: SmsSender, notifier: FinanceNotifier, holidays: HolidayCalendar,
                 clock: Clock) -> None:
        self._accounts = accounts
        self._replies = replies
        self._tenants = tenants
        self._links = links
        self._renderer = renderer
        self._sms = sms
        self._notifier = notifier
        self._holidays = holidays
        self._clock = clock

    def receive(self, inbound: InboundSms) -> str:
        """Act on one text; what was done, for the log (a code: never the number or the words)."""
        found = self._accounts.with_phone(inbound.origination)
        if not found:
            return "unknown_number"
        now = self._clock.now()
        if not self._replies.first_sight(inbound.inbound_id, now + SEEN_KEPT_FOR):
            return "duplicate"
        try:
            return self._act(inbound, found, now)
        except Exception:
            self._replies.forget(inbound.inbound_id)  # a redelivery may finish the job; what was done stays done
            raise

    def _act(self, inbound: InboundSms, found: list[Account], now: datetime) -> str:
        meaning = inbound.meaning
        answered = self._answered(inbound, found)
        if meaning == STOP:
            changed = [self._change(a, lambda acc: opt_out_of_sms(acc, now, DEBTOR_SMS, STOP_REASON)) for a in found]
            if not any(changed):
                return "already_opted_out"  # a repeated STOP: no second confirmation
            return "opted_out" if self._answer(inbound, answered, STOP_CONFIRMED, now) else "opted_out_unconfirmed"
        if meaning == START:
            self._sms.opt_in(inbound.origination)  # SNS's own list too, even if Kindly never heard the STOP
            changed = [self._change(a, lambda acc: opt_back_in_to_sms(acc, now, DEBTOR_SMS, CONSENT_SOURCE))
                       for a in found]
            if not any(changed):
                return "already_opted_in"
            return "opted_in" if self._answer(inbound, answered, START_CONFIRMED, now) else "opted_in_unconfirmed"
        if meaning == HELP:
            return "help_sent" if self._answer(inbound, answered, HELP_REPLY, now) else "help_not_sent"
        return self._keep_reply(inbound, answered, now)

    def replies_to(self, tenant_id: str, account_id: str) -> list[DebtorReply]:
        """What the debtor wrote back, newest first, while it is kept (GET /v1/accounts/{id}/replies)."""
        found_account(self._accounts.get(tenant_id, account_id), account_id)
        return self._replies.replies(tenant_id, account_id, self._clock.now())

    # --- which account -----------------------------------------------------------------------------------------
    def _answered(self, inbound: InboundSms, found: list[Account]) -> Account:
        previous = inbound.previous_message_id
        if previous:
            for account in found:
                if self._accounts.sent_as(account.tenant_id, account.account_id, previous):
                    return account
        return max(found, key=_last_texted)

    # --- changes ---------------------------------------------------------------------------------------------
    def _change(self, account: Account, change: Callable[[Account], bool]) -> bool:
        """Apply `change` to the account as stored now and save it if it changed anything (re-read on a lost race)."""
        def once() -> bool:
            current = self._accounts.get(account.tenant_id, account.account_id)
            if current is None or not change(current):
                return False
            self._accounts.save(current)
            return True

        return retry_on_conflict(once)

    def _keep_reply(self, inbound: InboundSms, account: Account, now: datetime) -> str:
        until = reply_wait_until(account, now, self._holidays)
        self._replies.keep(DebtorReply(account.tenant_id, account.account_id, inbound.inbound_id, now, inbound.body,
                                       now + REPLY_KEPT_FOR))

        # Finance first: should the save below fail, the redelivery tells finance again under the same event_id
        # (a subscriber drops the repeat) and the trail still gets one debtor_replied.
        self._notifier.publish(account.tenant_id, debtor_replied(account.tenant_id, account.account_id, now,
                                                                 inbound.inbound_id, until))

        def hold(current: Account) -> bool:
            note_reply(current, now, inbound.inbound_id, until)
            return True

        self._change(account, hold)
        return "reply_kept"

    # --- the one answer ----------------------------------------------------------------------------------------
    def _answer(self, inbound: InboundSms, account: Account, template: str, now: datetime) -> bool:
        """Text the answer straight through the SMS sender (no courtesy guard: the debtor just wrote, and a STOP
        confirmation goes to a number that has just opted out). It is claimed in the outbox under an id made from
        the inbound message's, so it goes out at most once; whether it went is audited. True if it was sent."""
        tenant = self._tenants.get(account.tenant_id)
        if tenant is None:
            return False
        message_id = answer_id(inbound.inbound_id, template)
        portal_url, short_link = "", None
        if template == HELP_REPLY:
            portal_url, short_link = self._links.short_portal_link(account.tenant_id, account.account_id, now)
        zones = recipient_zones(account)
        context = MessageContext(
            template=template, channel=SMS, locale=account.message_locale, tenant_name=tenant.brand,
            tenant_role=tenant.role, support_email=tenant.reply_address, debtor_name=account.name, balances=(),
            invoices=(), due_on=local_day(now, zones), portal_url=portal_url, unsubscribe_url="", timezone=zones[0])
        try:
            text = self._renderer.render(context).text
        except MessageTooLong:  # a very long support address: the page link alone still says how to reach them
            text = self._renderer.render(replace(context, support_email=None)).text
        entry = {"message_id": message_id, "tenant_id": account.tenant_id, "account_id": account.account_id,
                 "channel": SMS, "template": template, "step_key": "sms_reply", "cycle": inbound.inbound_id,
                 "status": PENDING, "created_at": iso(now), "updated_at": iso(now)}

        def claim() -> tuple[Account, bool]:
            current = self._accounts.get(account.tenant_id, account.account_id) or account
            current.updated_at = now
            return current, self._accounts.claim_message(current, entry, short_link)

        current, claimed = retry_on_conflict(claim)
        if not claimed:
            return False  # answered already (a redelivery after a failure part way)
        tags = {"tenant_id": account.tenant_id, "account": account_tag(account.account_id), "message_id": message_id}
        provider_id, reason = None, None
        try:
            provider_id = self._sms.send(phone=inbound.origination, text=text, sender_id=tenant.sms_sender_id,
                                         tags=tags)
        except PermanentSendError as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - a courtesy answer is not retried: the change it confirms is made
            reason = f"provider_error:{type(exc).__name__}"
        status = SENT if reason is None else FAILED
        self._finish(current, message_id, template, status, provider_id, reason, now)
        return status == SENT

    def _finish(self, account: Account, message_id: str, template: str, status: str, provider_id: str | None,
                reason: str | None, now: datetime) -> None:
        accounts = iter([account])

        def once() -> None:
            current = next(accounts, None) or self._accounts.get(account.tenant_id, account.account_id) or account
            current.updated_at = now
            current.record(now, "message_sent" if status == SENT else "message_failed", SYSTEM, {
                "channel": SMS, "template": template, "message_id": message_id, "provider_message_id": provider_id,
                "reason": reason, "answers": "sms_reply"})
            self._accounts.finish_message(current, message_id, status,
                                          {"provider_message_id": provider_id, "reason": reason})

        retry_on_conflict(once)


def answer_id(inbound_id: str, template: str) -> str:
    """The outbox id of the answer to one inbound message: the same on every redelivery."""
    return "msg_" + hashlib.sha256(f"sms_reply|{inbound_id}|{template}".encode()).hexdigest()[:32]


def _last_texted(account: Account) -> tuple[str, str]:
    sms = [send.at for send in account.recent_sends if send.channel == SMS]
    return (iso(max(sms)) if sms else "", iso(account.updated_at) if account.updated_at else "")
