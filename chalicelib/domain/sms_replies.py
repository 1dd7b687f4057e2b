"""What a text from the debtor means (API.md, "Messages from the debtor"): a keyword the carriers' rules give a
meaning to (STOP and its synonyms, START, HELP), or words for a person to read. Pure: parsing, the pause a reply
buys, and what finance and the audit trail are told (never the text itself)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from .accounts import Account
from .finance_events import finance_event
from .schedule import recipient_zones, zone
from .times import iso

if TYPE_CHECKING:  # annotations only: the queue worker never loads every port
    from .ports import HolidayCalendar

STOP = "stop"
START = "start"
HELP = "help"
# CTIA's and AWS End User Messaging's opt-out, opt-in and help keywords.
KEYWORDS = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"), STOP),
    **dict.fromkeys(("START", "UNSTOP"), START),
    **dict.fromkeys(("HELP", "INFO"), HELP),
}
# The answers to a debtor's text (templates/sms/<lang>/): never a policy step.
HELP_REPLY, STOP_CONFIRMED, START_CONFIRMED = "help_reply", "stop_confirmed", "start_confirmed"
REPLY_TEMPLATES = frozenset({HELP_REPLY, STOP_CONFIRMED, START_CONFIRMED})
DEBTOR_SMS = "debtor:sms"  # the audit actor of whatever the debtor's texts change
REPLY_WAIT_WORKING_DAYS = 2  # reminders wait this long after a reply, so a person can answer first
REPLY_KEPT_FOR = timedelta(days=30)  # how long finance can read a reply's text; then DynamoDB's TTL removes it
SEEN_KEPT_FOR = timedelta(days=7)  # how long an inbound message id is remembered (SNS retries within hours)

_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


class InboundSms(Struct, frozen=True):
    """One text from a debtor, as AWS End User Messaging publishes it."""

    inbound_id: str
    origination: str  # the debtor's number, E.164
    destination: str  # our number it was sent to
    body: str
    keyword: str | None = None  # what AWS matched as the keyword, if anything
    previous_message_id: str | None = None  # the provider id of the SMS of ours it answers

    @property
    def meaning(self) -> str | None:
        return keyword_of(self.body) or (keyword_of(self.keyword) if self.keyword else None)


class DebtorReply(Struct, frozen=True):
    """The words of a reply, kept for the tenant's people to read until `expires_at`."""

    tenant_id: str
    account_id: str
    reply_id: str  # the inbound message id
    received_at: datetime
    text: str
    expires_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"reply_id": self.reply_id, "channel": "sms", "received_at": iso(self.received_at),
                "text": self.text, "expires_at": iso(self.expires_at)}


def keyword_of(text: str) -> str | None:
    """STOP, START or HELP when the whole text is one of their keywords, in any case, with spaces and punctuation
    around it ignored ("Stop.", " quit! "); None for anything else ("stop texting me" is words for a person)."""
    word = _EDGES.sub("", text).upper()
    return KEYWORDS.get(word)


def reply_wait_until(account: Account, at: datetime, calendar: HolidayCalendar) -> datetime:
    """The end of the second working day after the reply's day, where the debtor lives (weekends and the debtor's
    public holidays are not working days): a reply on Friday holds reminders until Wednesday 00:00 local."""
    is_holiday = calendar(account.country, account.region)
    ends = []
    for name in recipient_zones(account):
        tz = zone(name)
        day, worked = at.astimezone(tz).date(), 0
        while worked < REPLY_WAIT_WORKING_DAYS:
            day += timedelta(days=1)
            if day.weekday() < 5 and not is_holiday(day):
                worked += 1
        ends.append(datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC))
    return max(ends)


def note_reply(account: Account, now: datetime, reply_id: str, until: datetime) -> None:
    """Audit the reply (no text: the trail is kept for years and read widely) and hold reminders until `until`."""
    current = account.awaiting_reply_until
    account.awaiting_reply_until = until if current is None or current < until else current
    account.updated_at = now
    account.record(now, "debtor_replied", DEBTOR_SMS, {"channel": "sms", "reply_id": reply_id,
                                                       "reminders_wait_until": iso(account.awaiting_reply_until)})


def debtor_replied(tenant_id: str, account_id: str, at: datetime, reply_id: str, until: datetime) -> dict[str, Any]:
    """The finance event: that the debtor wrote, and until when reminders wait; never what they wrote."""
    return finance_event("debtor_replied", tenant_id, account_id, at, about=reply_id, channel="sms",
                         reminders_wait_until=iso(until))
