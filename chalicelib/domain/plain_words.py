"""An account's audit events in plain English, for the finance console's timeline: one sentence per event, in
the debtor's local time ("Reminder held back: 22:40 in Madrid, outside 08:00–21:00; sent next morning at 09:00").

Pure: the event and the debtor's time zone in, a sentence out. Every event type the app records has its own
sentence; an unknown one (written by a later version, say) gets a generic sentence, never an error."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .audit import AuditEvent, StoredEvent, UnreadableEvent
from .courtesy import EMAIL_QUIET_START, QUIET_END, SMS_QUIET_START
from .schedule import zone

DEBTOR_CHANNELS = {"portal": " on their page", "sms": " by text", "one-click": " by one click"}
PROVIDERS = {"stripe": "Stripe", "gocardless": "GoCardless", "paddle": "Paddle", "standard": "the processor"}

# Why a message waited (a time rule): the phrase after "held back: 22:40 in Madrid, ".
WAITED_FOR = {
    "state_texting_hours": "outside the texting hours of the debtor's state",
    "outside_send_window": "outside the policy's sending hours",
    "outside_preferred_hours": "outside the hours the debtor chose",
    "public_holiday": "a public holiday where the debtor lives",
    "tenant_closed": "a day your company is closed (the excluded days setting)",
    "daily_cap": "one message a day is the most",
    "weekly_cap_email": "the week's email allowance is used up",
    "weekly_cap_sms": "the week's text allowance is used up",
    "engagement_timing": "waiting for the hours the debtor usually reads",
    "no_allowed_time": "no allowed time soon",
    "plan_active": "a payment plan is running",
    "promise_open": "a promise to pay is open",
}

# Why a message was not sent at all (a status rule): the phrase after "not sent: ".
NOT_SENT_FOR = {
    "balance_not_positive": "nothing is owed",
    "dispute_open": "the debt is disputed",
    "hardship_pause": "a hardship pause holds it",
    "breathing_space": "breathing space holds it",
    "cease_contact": "the debtor asked us to stop contacting them",
    "bankruptcy": "a bankruptcy stay holds it",
    "deceased": "the debtor has died",
    "vulnerable": "a person handles this vulnerable customer",
    "no_email_address": "there is no email address",
    "no_phone": "there is no phone number",
    "email_bounced": "the email address bounced",
    "email_complained": "the debtor marked an email as spam",
    "email_unsubscribed": "the debtor unsubscribed from email",
    "sms_opted_out": "the debtor opted out of texts",
    "no_sms_consent": "the debtor has not agreed to texts",
    "email_off_by_policy": "the policy sends no email",
    "sms_off_by_policy": "the policy sends no texts",
    "awaiting_reply": "the debtor texted us and a person answers first",
    "plan_active": "a payment plan is running",
    "promise_open": "a promise to pay is open",
}

NOTICES = {"plan_confirmed": "Plan confirmation", "instalment_heads_up": "Instalment heads-up",
           "instalment_missed": "Missed-instalment note", "plan_ended": "Plan-ended note",
           "plan_broken": "Broken-plan note", "promise_missed": "Missed-promise follow-up",
           "settlement_offer": "Settlement offer", "settlement_confirmed": "Settlement confirmation",
           "thank_you": "Thank-you email"}


def in_plain_words(event: StoredEvent, zone_name: str = "UTC") -> str:
    """One sentence for an audit event; times in the debtor's zone (`zone_name`, an IANA name)."""
    if isinstance(event, UnreadableEvent):
        return f"This event can no longer be read ({event.problem}): the audit chain is broken here."
    words = SENTENCES.get(event.type)
    if words is None:
        return f"{_label(event.type).capitalize() or 'Something'} (recorded by {who(event.actor)})."
    return words(_Seen(event, zone_name)) + "."


class _Seen:
    """An event with what every sentence needs: its details, its actor and its local time."""

    def __init__(self, event: AuditEvent, zone_name: str) -> None:
        self.event = event
        self.d: Mapping[str, Any] = event.details or {}
        self.zone_name = zone_name
        self.local_at = event.at.astimezone(zone(zone_name))

    def money(self, amount_key: str = "amount", currency_key: str = "currency") -> str:
        return money(self.d.get(amount_key), self.d.get(currency_key))

    @property
    def what(self) -> str:
        return message_noun(self.d)

    @property
    def by(self) -> str:
        return who(self.event.actor)


def money(amount: Any, currency: Any) -> str:
    """Minor units as people write them: 4900 EUR is "€49.00"; an unknown currency plainly."""
    if not isinstance(amount, int) or not isinstance(currency, str):
        return "an amount"
    from babel.numbers import format_currency, get_currency_precision

    try:
        return str(format_currency(Decimal(amount).scaleb(-get_currency_precision(currency)), currency,
                                   locale="en_GB"))
    except Exception:  # noqa: BLE001 - a code Babel does not know
        return f"{amount} {currency}"


def balances(owed: Any) -> str:
    if not isinstance(owed, Mapping) or not any(owed.values()):
        return "nothing"
    return " and ".join(money(amount, currency) for currency, amount in sorted(owed.items()) if amount)


def who(actor: str) -> str:
    kind, _, rest = (actor or "").partition(":")
    if kind == "user":
        return f"a person in the console ({actor})"
    if kind == "api_key":
        return "your system, through the API"
    if kind == "debtor":
        return "the debtor" + DEBTOR_CHANNELS.get(rest, "")
    if kind == "webhook":
        return PROVIDERS.get(rest, rest or "a processor")
    return {"system": "Kindly", "ses": "the email service", "test": "a test"}.get(actor, actor or "someone")


def message_noun(details: Mapping[str, Any]) -> str:
    """What the event is about: a reminder (email or text), a thank-you, a plan or settlement notice."""
    template = details.get("template")
    if isinstance(template, str) and template in NOTICES:
        return NOTICES[template]
    return "Text reminder" if details.get("channel") == "sms" else "Reminder"


def _label(text: Any) -> str:
    return str(text or "").replace("_", " ")


def _day(text: Any) -> str:
    try:
        return date.fromisoformat(str(text)).strftime("%a %d %b %Y")
    except ValueError:
        return str(text)


def _local(text: Any, zone_name: str) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)).astimezone(zone(zone_name))
    except (TypeError, ValueError):
        return None


def place(zone_name: str) -> str:
    """Europe/Madrid is "Madrid", America/Port_of_Spain "Port of Spain"."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def when_after(start: datetime, later: datetime) -> str:
    """`later` as seen from `start`, both local: "later that day at 14:00", "next morning at 09:00"."""
    hour = later.strftime("%H:%M")
    if later.date() == start.date():
        return f"later that day at {hour}"
    if later.date() == start.date() + timedelta(days=1):
        return f"next {'morning' if later.hour < 12 else 'day'} at {hour}"
    return f"on {later.strftime('%a %d %b')} at {hour}"


# --- one sentence per event type ----------------------------------------------------------------------------

def _deferred(s: _Seen) -> str:
    rule = str(s.d.get("rule") or "")
    if rule == "quiet_hours":
        latest = SMS_QUIET_START if s.d.get("channel") == "sms" else EMAIL_QUIET_START
        why = f"outside {QUIET_END.strftime('%H:%M')}–{latest.strftime('%H:%M')}"
    else:
        why = WAITED_FOR.get(rule, f"rule {_label(rule)}" if rule else "a time rule")
    until = _local(s.d.get("local_until") or s.d.get("until"), s.zone_name)
    then = f"; sent {when_after(s.local_at, until)}" if until else ""
    return f"{s.what} held back: {s.local_at.strftime('%H:%M')} in {place(s.zone_name)}, {why}{then}"


def _withheld(s: _Seen) -> str:
    rule = str(s.d.get("rule") or "")
    why = NOT_SENT_FOR.get(rule, _label(rule) or "a rule holds it")
    if rule == "balance_not_positive" and "step" not in s.d:
        return "Nothing more to send: nothing is owed"
    if s.d.get("step_spent") is True:
        tail = "; this step is skipped"
    elif s.d.get("step_spent") is False:
        tail = "; it waits until that is lifted"
    else:
        tail = ""
    return f"{s.what} not sent: {why}{tail}"


def _sent(s: _Seen) -> str:
    channel = "by text" if s.d.get("channel") == "sms" else "by email"
    template = s.d.get("template")
    named = f" ({_label(template)})" if template and template not in NOTICES else ""
    return f"{s.what}{named} sent {channel} at {s.local_at.strftime('%H:%M')} in {place(s.zone_name)}"


def _delayed(s: _Seen) -> str:
    retry = _local(s.d.get("next_action_at"), s.zone_name)
    return f"{s.what} could not be sent just now; tried again {when_after(s.local_at, retry)}" if retry else \
        f"{s.what} could not be sent just now; it will be tried again"


def _failed(s: _Seen) -> str:
    reason = s.d.get("reason") or s.d.get("error")
    return f"{s.what} could not be sent{': ' + NOT_SENT_FOR.get(str(reason), _label(reason)) if reason else ''}"


def _flag(s: _Seen, verb: str) -> str:
    until = f" until {_day(s.d['until'])}" if s.d.get("until") else ""
    return f"Flag “{_label(s.d.get('flag') or 'unknown')}” {verb} by {s.by}{until}"


def _payment(noun: str, verb: str = "", tail: str = "") -> Callable[[_Seen], str]:
    def sentence(s: _Seen) -> str:
        invoice = f" for invoice {s.d['invoice_id']}" if s.d.get("invoice_id") else ""
        return f"{noun} of {s.money()}{invoice}{verb} ({s.by}){tail}"

    return sentence


SENTENCES: dict[str, Callable[[_Seen], str]] = {
    "account_created": lambda s: f"Account created by {s.by}: owes {balances(s.d.get('balance'))}",
    "account_updated": lambda s: f"Account updated by {s.by}: owes {balances(s.d.get('balance'))}",
    "flag_set": lambda s: _flag(s, "set"),
    "flag_cleared": lambda s: _flag(s, "cleared"),
    "dispute_opened": lambda s: f"Invoice {s.d.get('invoice_id', '')} disputed by {s.by}: reminders leave it out"
                                + ("; the settlement offer is withdrawn" if s.d.get("settlement_offer_withdrawn")
                                   else ""),
    "dispute_resolved": lambda s: f"Dispute of invoice {s.d.get('invoice_id', '')} lifted by {s.by}",
    "message_deferred": _deferred,
    "message_withheld": _withheld,
    "message_sent": _sent,
    "message_delayed": _delayed,
    "message_failed": _failed,
    "message_not_resent": lambda s: f"{s.what} not sent again: it had already gone (a message goes at most once)",
    "escalated": lambda s: "Handed over to a person on your team (the policy's escalation step)",
    "finance_notified": lambda s: "Your finance team was told",
    "steps_skipped": lambda s: f"Reminder steps skipped ({', '.join(map(str, s.d.get('steps') or []))}): "
                               "a later step came due first, so only the latest is sent",
    "email_delivered": lambda s: "Email delivered to the debtor's inbox",
    "email_opened": lambda s: "Email opened by the debtor",
    "email_clicked": lambda s: "The debtor clicked a link in the email",
    "email_bounced": lambda s: "Email bounced: no more email goes to this address",
    "email_complained": lambda s: "The debtor marked the email as spam: no more email goes to them",
    "email_unsubscribed": lambda s: "The debtor unsubscribed from email",
    "preferences_changed": lambda s: "The debtor changed their language or channels on their page",
    "payment_succeeded": _payment("Payment", " received"),
    "payment_failed": _payment("Payment", " failed"),
    "refund": _payment("Refund", "", ": the balance reopens; reminders wait for a person"),
    "chargeback": _payment("Chargeback", "", ": the balance reopens; reminders wait for a person"),
    "plan_created": lambda s: f"Payment plan agreed by {s.by}: {s.money('total')} in {s.d.get('instalments')} "
                              f"{_label(s.d.get('frequency'))} instalments, {_day(s.d.get('first_on'))} to "
                              f"{_day(s.d.get('last_on'))}",
    "plan_cancelled": lambda s: f"Payment plan cancelled by {s.by} ({s.money('paid')} of {s.money('total')} paid)",
    "plan_completed": lambda s: f"Payment plan completed: {s.money('total')} in {s.d.get('instalments')} instalments",
    "plan_broken": lambda s: f"Payment plan broken: {s.d.get('missed')} instalments missed; {s.money('paid')} paid, "
                             f"{s.money('outstanding')} outstanding",
    "instalment_missed": lambda s: f"Instalment {s.d.get('n')} due {_day(s.d.get('due_on'))} missed: "
                                   f"{s.money('unpaid')} unpaid",
    "promise_made": lambda s: f"Promise to pay {s.money()} by {_day(s.d.get('by'))} ({s.by}); reminders wait "
                              f"until {_day(s.d.get('paused_until'))}",
    "promise_kept": lambda s: f"Promise kept: {s.money()} paid by {_day(s.d.get('by'))}",
    "promise_broken": lambda s: f"Promise to pay {s.money()} by {_day(s.d.get('by'))} broken ({s.money('paid')} "
                                "paid)",
    "settlement_offered": lambda s: f"Settlement offered: {s.money()} if paid by {_day(s.d.get('valid_until'))}",
    "settlement_accepted": lambda s: f"Settlement of {s.money()} accepted by {s.by}, to pay by "
                                     f"{_day(s.d.get('valid_until'))}",
    "settlement_lapsed": lambda s: f"Settlement offer lapsed on {_day(s.d.get('valid_until'))}",
    "settled_for_less": lambda s: f"Settled for less: {s.money('amount_paid')} paid, {s.money('forgiven')} forgiven",
    "resumed": lambda s: f"Resumed by {s.by} after {_label(s.d.get('was') or 'a hold')}: reminders go on",
    "sms_opted_out": lambda s: f"The debtor opted out of texts ({_label(s.d.get('reason') or 'no reason given')})",
    "sms_opted_in": lambda s: f"The debtor agreed to texts ({_label(s.d.get('source') or 'no source given')})",
    "debtor_replied": lambda s: "The debtor replied by text: reminders wait until a person answers",
}
