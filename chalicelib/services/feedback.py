"""What SES says happened to our email after it left (SPEC 5): a hard bounce or a complaint stops email to that
address (CAN-SPAM; mailbox providers' rules), is audited, and finance hears of it as a delivery_problem;
deliveries, opens and clicks are noted on the message in the outbox and in the account's audit trail, the first
time each happens to a message; opens and clicks are also kept as signals of when the debtor reads
(domain/engagement.py), at the moment SES says they happened (the event's own timestamp: SES may publish an open
long after it), or when the event arrives if it carries none."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.conflicts import retry_on_conflict
from chalicelib.domain.engagement import CLICKED, OPENED, Signal, remember
from chalicelib.domain.messages import account_from_tag, delivery_problem
from chalicelib.domain.ports import AccountRepository, Clock, FinanceNotifier

ENGAGEMENT = {"Delivery": "delivered", "Open": "opened", "Click": "clicked"}
DETAIL = {"Delivery": "delivery", "Open": "open", "Click": "click"}  # where SES puts each one's own timestamp


class FeedbackService:
    def __init__(self, accounts: AccountRepository, notifier: FinanceNotifier, clock: Clock) -> None:
        self._accounts = accounts
        self._notifier = notifier
        self._clock = clock

    def record(self, event: dict[str, Any]) -> str:
        """Apply one SES event (as its configuration set publishes it); returns what was done, for the log."""
        tags = (event.get("mail") or {}).get("tags") or {}
        tenant_id, message_id = _tag(tags, "tenant_id"), _tag(tags, "message_id")
        account_id = account_from_tag(_tag(tags, "account") or "")
        if not (tenant_id and account_id and message_id):
            return "untracked"  # not a message Kindly sent (or sent before messages carried their account)
        kind = event.get("eventType")
        if kind in ENGAGEMENT:
            when = happened_at(event) or self._clock.now()
            return retry_on_conflict(lambda: self._engaged(tenant_id, account_id, message_id, ENGAGEMENT[kind], when))
        problem = _problem(event)
        if problem is None:
            return "noted"  # a soft bounce, a delay: SES retries; nothing to change
        return retry_on_conflict(lambda: self._suppress(tenant_id, account_id, message_id, problem, event))

    def _engaged(self, tenant_id: str, account_id: str, message_id: str, what: str, when: datetime) -> str:
        """`when`: the moment it happened, which the signal and the outbox keep; the audit event is written at
        Kindly's own time, when it learned of it (the trail is in the order things were known)."""
        account = self._accounts.get(tenant_id, account_id)
        if account is None or self._accounts.message_status(tenant_id, account_id, message_id) is None:
            return "unknown_message"
        now: datetime = self._clock.now()
        account.record(now, f"email_{what}", "ses", {"message_id": message_id, "channel": "email"})
        if what in (OPENED, CLICKED):
            account.engagement = remember(account.engagement, Signal(when, what))
        return what if self._accounts.note_engagement(account, message_id, what, when) else "already_noted"

    def _suppress(self, tenant_id: str, account_id: str, message_id: str, problem: str, event: dict[str, Any]) -> str:
        account = self._accounts.get(tenant_id, account_id)
        if account is None:
            return "unknown_account"
        if not account.email or account.email.lower() not in _recipients(event):
            return "address_changed"  # the account has a new address since: the bounce was the old one's
        if account.email_suppressed in (problem, "unsubscribed") or (problem == "bounced"
                                                                     and account.email_suppressed == "complained"):
            return "already_suppressed"
        now: datetime = self._clock.now()
        account.email_suppressed = problem
        account.updated_at = now
        bounce = event.get("bounce") or {}
        account.record(now, f"email_{problem}", "ses", {
            "message_id": message_id, "bounce_type": bounce.get("bounceType"), "channel": "email",
            # OnAccountSuppressionList: SES dropped the message because the address is on the account's
            # suppression list (an earlier bounce or complaint, maybe through another tenant).
            "bounce_sub_type": bounce.get("bounceSubType")})
        self._notifier.publish(tenant_id, delivery_problem(tenant_id, account_id, now, "email", problem,
                                                           about=message_id))
        self._accounts.save(account)
        return problem


def happened_at(event: dict[str, Any]) -> datetime | None:
    """When a delivery, open or click happened, as SES stamps it (`delivery.timestamp`, `open.timestamp`,
    `click.timestamp`); None when there is no readable instant with an offset. Never `mail.timestamp`: that is
    when the email was sent, not when the debtor read it."""
    detail = event.get(DETAIL.get(str(event.get("eventType")), "")) or {}
    stamp = detail.get("timestamp") if isinstance(detail, dict) else None
    if not isinstance(stamp, str):
        return None
    try:
        instant = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return instant.astimezone(UTC) if instant.tzinfo is not None else None


def _problem(event: dict[str, Any]) -> str | None:
    kind = event.get("eventType")
    if kind == "Bounce" and (event.get("bounce") or {}).get("bounceType") == "Permanent":
        return "bounced"
    if kind == "Complaint":
        return "complained"
    return None


def _recipients(event: dict[str, Any]) -> set[str]:
    detail = event.get("bounce") or event.get("complaint") or {}
    listed = detail.get("bouncedRecipients") or detail.get("complainedRecipients") or []
    return {str(r.get("emailAddress", "")).lower() for r in listed if isinstance(r, dict)}


def _tag(tags: dict[str, Any], name: str) -> str | None:
    values = tags.get(name)
    return values[0] if isinstance(values, list) and values and isinstance(values[0], str) else None
