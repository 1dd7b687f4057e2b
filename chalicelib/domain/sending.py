"""What sending a message does to its account, by kind of message: the worker's delivery path (services.delivery)
is the same for every kind; only these moves differ. Pure: the caller saves the account.

A kind is claimed (the account is changed as the outbox entry is created), finished (moved on after a try, saying
which audit event records it) or found already claimed (brought up to date; never sent again)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Protocol

from msgspec import Struct

from .accounts import Account, PendingThanks
from .audit import SYSTEM
from .decision import apply_delivered, remember_send
from .messages import EMAIL, RETRY, SENT
from .notices import FINANCE, Notice, mark_sent, notice_spent, unmark_sent
from .policies import ESCALATE, Policy
from .schedule import DueStep, mark_handled, refresh_schedule
from .times import iso

# While a reminder is in flight the account is parked this long, so no other worker picks it up.
SEND_LEASE = timedelta(minutes=10)
EVENT_FOR = {SENT: "message_sent", RETRY: "message_delayed"}  # any other status: message_failed


class Attempt(Struct, frozen=True):
    """How one try of a message ended: `status` sent | retry | failed; `error` names a passing error's type."""

    status: str
    message_id: str
    at: datetime
    retry_at: datetime | None = None
    error: str | None = None


class MessageKind(Protocol):
    def claimed(self, account: Account, now: datetime) -> None: ...

    def finished(self, account: Account, attempt: Attempt) -> tuple[str, dict[str, Any]]:
        """Move the account on after a try; the audit event type and what it adds to the message's details."""

    def already_claimed(self, account: Account, message_id: str, outbox_status: str | None, now: datetime) -> None:
        ...


class ReminderStep(Struct, frozen=True):
    """A policy step: an email, an SMS, or the hand-over to a person (escalation)."""

    policy: Policy
    due: DueStep

    def details(self) -> dict[str, Any]:
        return step_details(self.due)

    def claimed(self, account: Account, now: datetime) -> None:
        account.next_action_at = now + SEND_LEASE

    def finished(self, account: Account, attempt: Attempt) -> tuple[str, dict[str, Any]]:
        if attempt.status == RETRY:
            account.next_action_at = attempt.retry_at
            event_type = EVENT_FOR[RETRY]
        elif attempt.status == SENT:
            apply_delivered(account, self.policy, self.due, attempt.message_id, attempt.at)
            event_type = "escalated" if self.due.step.action == ESCALATE else EVENT_FOR[SENT]
        else:
            mark_handled(account, self.policy, self.due.index)
            refresh_schedule(account, self.policy)
            event_type = "message_failed"
        return event_type, {"error": attempt.error,
                            "next_action_at": iso(account.next_action_at) if account.next_action_at else None}

    def already_claimed(self, account: Account, message_id: str, outbox_status: str | None, now: datetime) -> None:
        mark_handled(account, self.policy, max(account.last_step, self.due.index))
        refresh_schedule(account, self.policy)
        account.record(now, "message_not_resent", SYSTEM, {
            **self.details(), "message_id": message_id, "outbox_status": outbox_status,
            "reason": "the outbox already holds this message; a message is sent at most once",
        })


class ThankYou(Struct, frozen=True):
    """The thank-you for a payment (or for the payments that came while one waited)."""

    policy: Policy
    thanks: PendingThanks

    def claimed(self, account: Account, now: datetime) -> None:
        pass  # the thank-you was taken off the account before its claim

    def finished(self, account: Account, attempt: Attempt) -> tuple[str, dict[str, Any]]:
        if attempt.status == RETRY:
            assert attempt.retry_at is not None
            account.pending_thanks = PendingThanks(self.thanks.payment, attempt.retry_at)
            refresh_schedule(account, self.policy)
        elif attempt.status == SENT:
            remember_send(account, EMAIL, attempt.message_id, attempt.at)
        return EVENT_FOR.get(attempt.status, "message_failed"), {}

    def already_claimed(self, account: Account, message_id: str, outbox_status: str | None, now: datetime) -> None:
        account.pending_thanks = None  # already thanked for this payment: never twice
        refresh_schedule(account, self.policy)


def step_details(due: DueStep) -> dict[str, Any]:
    """What every audit event about a policy step says of it."""
    return {"step": due.step.key, "channel": due.step.channel, "template": due.step.template, "cycle": due.cycle}


class ArrangementNotice(Struct, frozen=True):
    """A plan, promise or settlement notice (notices.Notice): spent as it is claimed, so it goes out once;
    a passing failure gives it back to be tried again at `retry_at`."""

    policy: Policy
    notice: Notice

    def details(self) -> dict[str, Any]:
        return {"notice": self.notice.key, "template": self.notice.kind,
                "channel": None if self.notice.channel == FINANCE else self.notice.channel}

    def claimed(self, account: Account, now: datetime) -> None:
        notice_spent(account, self.policy, self.notice, now)
        account.next_action_at = now + SEND_LEASE

    def finished(self, account: Account, attempt: Attempt) -> tuple[str, dict[str, Any]]:
        mark_sent(account, self.notice)
        refresh_schedule(account, self.policy)
        if attempt.status == RETRY:
            assert attempt.retry_at is not None
            unmark_sent(account, self.notice)
            account.next_action_at = attempt.retry_at
        elif attempt.status == SENT and self.notice.channel != FINANCE:
            remember_send(account, self.notice.channel, attempt.message_id, attempt.at)
        event = "finance_notified" if self.notice.channel == FINANCE and attempt.status == SENT else None
        return event or EVENT_FOR.get(attempt.status, "message_failed"), {}

    def already_claimed(self, account: Account, message_id: str, outbox_status: str | None, now: datetime) -> None:
        notice_spent(account, self.policy, self.notice, now)
        refresh_schedule(account, self.policy)


class Message(Struct, frozen=True):
    """A message to send, as the worker describes it. `template` is rendered for `channel` (email or SMS) with the
    debtor's open invoices, anchored on `due_on`; a `hand_over` (a finance event) is published instead. `details`
    is what each of its audit events says about it (its channel and template among them); `kind` is what it does
    to the account."""

    message_id: str
    channel: str
    template: str
    step_key: str
    cycle: str
    kind: MessageKind
    details: dict[str, Any]
    due_on: date | None = None
    hand_over: dict[str, Any] | None = None
    sent_as: str = "sent"  # the outcome once delivered (an escalation is "escalated")
    plan_possible: bool = False  # domain.offers.plan_possible: the message may offer a plan

    @property
    def shown_as(self) -> tuple[str | None, str | None]:
        """Channel and template as its details (and so the outcome) name them: a hand-over has no channel."""
        return self.details.get("channel"), self.details.get("template")
