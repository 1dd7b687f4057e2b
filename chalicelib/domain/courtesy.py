"""The courtesy guard: every outbound message passes here first.

Each rule is a small pure function that states its source. A status rule withholds the message;
a time or volume rule defers it to the next instant it would be allowed (never drops it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from msgspec import Struct, field
from msgspec.structs import replace

from .accounts import SentRecord
from .messages import EMAIL, SMS
from .policies import Caps, SendWindow
from .schedule import zone
from .texting_hours import TextingHours

QUIET_END = time(8, 0)
EMAIL_QUIET_START = time(21, 0)
SMS_QUIET_START = time(20, 0)
MAX_DEFER_STEPS = 400
NO_ALLOWED_TIME = "no_allowed_time"
TENANT_CLOSED = "tenant_closed"  # a day the tenant excludes (tenant setting excluded_days), held like a holiday
STATE_TEXTING_HOURS = "state_texting_hours"


class Allow(Struct, frozen=True):
    pass


class Withhold(Struct, frozen=True):
    rule: str
    resume_at: datetime | None = None  # when to look again; None: not until something changes
    holds_step: bool = True  # True: the step waits (e.g. a pause); False: the step is spent (e.g. no consent)


class Defer(Struct, frozen=True):
    rule: str
    until: datetime


Decision = Allow | Withhold | Defer


class GuardInput(Struct, frozen=True):
    at: datetime  # aware
    channel: str
    zones: tuple[str, ...]  # the recipient's zone, or every zone of their country when unknown
    balance: dict[str, int]
    holding_flags: tuple[tuple[str, date | None], ...]  # (flag, until)
    address: str | None  # email address or phone number for the channel
    email_suppressed: str | None = None
    sms_consent: bool = False
    sms_opted_out: bool = False
    recent_sends: tuple[SentRecord, ...] = ()
    window: SendWindow = field(default_factory=SendWindow)
    caps: Caps = field(default_factory=Caps)
    is_holiday: Callable[[date], bool] = lambda _day: False
    preferred_hours: tuple[time, time] | None = None  # the debtor's own [start, end), chosen on their page
    excluded_days: frozenset[date] = frozenset()  # the tenant's closure days (tenant setting excluded_days)
    texting_hours: tuple[TextingHours, ...] = ()  # the states' rules for a text where the debtor lives


# --- status rules: the message is not sent ----------------------------------------------------

def balance_rule(inp: GuardInput) -> Withhold | None:
    """Nothing is owed, so nothing is asked for (FDCPA 15 U.S.C. 1692e(2)(A): no false amount)."""
    if not any(amount > 0 for amount in inp.balance.values()):
        return Withhold("balance_not_positive")
    return None


FLAG_RULES = {
    # flag: (reason, source)
    "dispute": ("dispute_open", "FDCPA 1692g(b): collection pauses while a debt is disputed"),
    "hardship": ("hardship_pause", "FCA CONC 7.3.4: forbearance for customers in financial difficulty"),
    "breathing_space": ("breathing_space", "Debt Respite Scheme (Breathing Space) Regulations 2020, reg. 7"),
    "cease_contact": ("cease_contact", "FDCPA 1692c(c): stop when the consumer asks in writing"),
    "bankruptcy": ("bankruptcy", "11 U.S.C. 362: the automatic stay"),
    "deceased": ("deceased", "FCA CONC 7.3 / CFPB guidance: no collection messages to an estate"),
    "vulnerable": ("vulnerable", "FCA FG21/1: vulnerable customers are handled by a person"),
}


def flag_rule(inp: GuardInput) -> Withhold | None:
    """A dispute, pause, stay or request to stop holds every message until it is lifted."""
    for flag, until in inp.holding_flags:
        reason, _source = FLAG_RULES[flag]
        # The flag holds until `until` has begun in every zone (see schedule.local_day), so look again then.
        resume = max(datetime.combine(until, QUIET_END, zone(name)) for name in inp.zones) if until else None
        return Withhold(reason, resume_at=resume)
    return None


def channel_rule(inp: GuardInput) -> Withhold | None:
    """No email to an address that bounced, complained or unsubscribed (CAN-SPAM 15 U.S.C. 7704(a)(4));
    no SMS without recorded consent or after an opt-out (TCPA 47 U.S.C. 227; 47 CFR 64.1200)."""
    if not inp.address:
        return Withhold(f"no_{'email_address' if inp.channel == EMAIL else 'phone'}", holds_step=False)
    if inp.channel == EMAIL and inp.email_suppressed:
        return Withhold(f"email_{inp.email_suppressed}", holds_step=False)
    if inp.channel == SMS and inp.sms_opted_out:
        return Withhold("sms_opted_out", holds_step=False)
    if inp.channel == SMS and not inp.sms_consent:
        return Withhold("no_sms_consent", holds_step=False)
    if inp.caps.per_7d(inp.channel) == 0:
        return Withhold(f"{inp.channel}_off_by_policy", holds_step=False)
    return None


STATUS_RULES = (balance_rule, flag_rule, channel_rule)


# --- time rules: the message waits for a better moment --------------------------------------------

def quiet_hours_rule(inp: GuardInput, at: datetime) -> str | None:
    """12 CFR 1006.6(b)(1)(i): no contact before 8am or after 9pm local time; SMS stops at 8pm (stricter
    house rule, as many carriers and state laws ask). With an unknown zone, every zone of the country."""
    latest = SMS_QUIET_START if inp.channel == SMS else EMAIL_QUIET_START
    for name in inp.zones:
        local = at.astimezone(zone(name)).time()
        if not QUIET_END <= local < latest:
            return "quiet_hours"
    return None


def state_texting_hours_rule(inp: GuardInput, at: datetime) -> str | None:
    """A text keeps to the hours of the debtor's state, where they are narrower than the federal ones (Fla. Stat.
    501.616(6)(a): 8am-8pm; Conn. Gen. Stat. 42-288a: 9am-8pm; Tex. Bus. & Com. Code 301.051: not before noon
    on Sunday; each cited in texting_hours.STATE_RULES). Unknown region: every state rule of the country; unknown
    zone: every zone of the country."""
    if inp.channel != SMS:
        return None
    for rule in inp.texting_hours:
        for name in inp.zones:
            if not rule.allows(at.astimezone(zone(name))):
                return STATE_TEXTING_HOURS
    return None


def send_window_rule(inp: GuardInput, at: datetime) -> str | None:
    """The tenant's policy window (hours and weekdays) in the debtor's local time."""
    for name in inp.zones:
        local = at.astimezone(zone(name))
        if local.weekday() not in inp.window.weekdays:
            return "outside_send_window"
        if not inp.window.start <= local.time() < inp.window.end:
            return "outside_send_window"
    return None


def preferred_hours_rule(inp: GuardInput, at: datetime) -> str | None:
    """The debtor's own preferred hours, from their self-service page (SPEC 4: inside the debtor's window)."""
    if inp.preferred_hours is None:
        return None
    start, end = inp.preferred_hours
    for name in inp.zones:
        if not start <= at.astimezone(zone(name)).time() < end:
            return "outside_preferred_hours"
    return None


def holiday_rule(inp: GuardInput, at: datetime) -> str | None:
    """No reminders on the debtor's public holidays (country and region), nor on a day the tenant excludes
    (in the debtor's calendar, as a holiday)."""
    for name in inp.zones:
        day = at.astimezone(zone(name)).date()
        if inp.is_holiday(day):
            return "public_holiday"
        if day in inp.excluded_days:
            return TENANT_CLOSED
    return None


def caps_rule(inp: GuardInput, at: datetime) -> str | None:
    """Per-channel caps over a rolling 7 days and at most one message a day (Reg F 12 CFR 1006.14(b)(2)
    presumes harassment past 7 calls in 7 days; we are far gentler)."""
    now = at.astimezone(UTC)  # a rolling week is 168 real hours, across clock changes too
    week = [s for s in inp.recent_sends if now - timedelta(days=7) < s.at <= now]
    if sum(1 for s in week if s.channel == inp.channel) >= inp.caps.per_7d(inp.channel):
        return f"weekly_cap_{inp.channel}"
    today = at.astimezone(zone(inp.zones[0])).date()
    if sum(1 for s in week if s.at.astimezone(zone(inp.zones[0])).date() == today) >= inp.caps.per_day:
        return "daily_cap"
    return None


TIME_RULES = (quiet_hours_rule, state_texting_hours_rule, preferred_hours_rule, send_window_rule, holiday_rule,
              caps_rule)


def _blocking_time_rule(inp: GuardInput, at: datetime) -> str | None:
    for rule in TIME_RULES:
        if reason := rule(inp, at):
            return reason
    return None


def next_allowed_instant(inp: GuardInput, after: datetime) -> datetime | None:
    """The first instant after `after` that every time rule allows; None if none within a long horizon."""
    candidate = after
    for _ in range(MAX_DEFER_STEPS):
        candidate = _skip_ahead(inp, candidate)
        if _blocking_time_rule(inp, candidate) is None:
            return candidate
    return None


def _skip_ahead(inp: GuardInput, at: datetime) -> datetime:
    """Jump straight past whatever blocks `at`: a full cap, or a night, holiday or day off in some zone.
    Every instant jumped over is blocked by the same rule, so no allowed instant is ever skipped."""
    if caps_rule(inp, at):
        return _cap_frees_at(inp, at)
    opening, closing = open_hours(inp)
    for name in inp.zones:
        local = at.astimezone(zone(name))
        day_off = (inp.is_holiday(local.date()) or local.date() in inp.excluded_days
                   or local.weekday() not in inp.window.weekdays)
        if day_off or local.time() >= closing:
            tomorrow = local.date() + timedelta(days=1)
            return datetime.combine(tomorrow, _opening_on(inp, tomorrow, opening), local.tzinfo)
        day_opening = _opening_on(inp, local.date(), opening)
        if local.time() < day_opening:
            return datetime.combine(local.date(), day_opening, local.tzinfo)
    return at + timedelta(minutes=15)  # not reached while the rules above mirror the time rules


def open_hours(inp: GuardInput) -> tuple[time, time]:
    """The local hours every time-of-day rule allows on an ordinary day: quiet hours, the state's texting hours,
    the policy window, the debtor's own hours."""
    starts = [QUIET_END, inp.window.start]
    ends = [SMS_QUIET_START if inp.channel == SMS else EMAIL_QUIET_START, inp.window.end]
    if inp.channel == SMS:
        starts.extend(rule.start for rule in inp.texting_hours)
        ends.extend(rule.end for rule in inp.texting_hours)
    if inp.preferred_hours is not None:
        starts.append(inp.preferred_hours[0])
        ends.append(inp.preferred_hours[1])
    return max(starts), min(ends)


def _opening_on(inp: GuardInput, day: date, opening: time) -> time:
    """`opening` on `day`, later where a state keeps texts later on some days (Texas: noon on Sunday)."""
    if inp.channel != SMS:
        return opening
    return max([opening, *(rule.opening_on(day) for rule in inp.texting_hours)])


def _cap_frees_at(inp: GuardInput, at: datetime) -> datetime:
    now = at.astimezone(UTC)
    week = sorted(s.at.astimezone(UTC) for s in inp.recent_sends
                  if now - timedelta(days=7) < s.at <= now and s.channel == inp.channel)
    cap = inp.caps.per_7d(inp.channel)
    if len(week) >= cap:
        # The oldest sends must age out until one fewer than the cap remain.
        return week[len(week) - cap] + timedelta(days=7)
    local = at.astimezone(zone(inp.zones[0]))
    return datetime.combine(local.date() + timedelta(days=1), time(0, 0), local.tzinfo)


def evaluate(inp: GuardInput) -> Decision:
    for status_rule in STATUS_RULES:
        if withheld := status_rule(inp):
            return withheld
    return _time_decision(inp)


def _time_decision(inp: GuardInput) -> Decision:
    reason = _blocking_time_rule(inp, inp.at)
    if reason is None:
        return Allow()
    until = next_allowed_instant(inp, inp.at)
    if until is None:
        # No moment suits every rule (a country whose zones share no decent hour, say): the step is spent
        # with this reason, so the schedule moves on (and reaches a person) instead of waiting forever.
        return Withhold(NO_ALLOWED_TIME, holds_step=False)
    return Defer(reason, until)


# --- receipts: a thank-you for a payment is not a reminder -----------------------------------------

# Flags under which even a receipt is not sent: the person asked for no contact, or cannot be written to.
RECEIPT_STOPPING_FLAGS = frozenset({"cease_contact", "deceased", "bankruptcy", "vulnerable"})
ANY_HOUR = SendWindow(time(0, 0), time.max, frozenset(range(7)))
NO_CAPS = Caps(email_per_7d=10_000, sms_per_7d=10_000, per_day=10_000)


def evaluate_receipt(inp: GuardInput) -> Decision:
    """A thank-you answers the debtor's own payment, so the policy's window, holidays, caps and the balance
    do not hold it; the debtor's contact choices, stopping flags and quiet hours (12 CFR 1006.6(b)(1)(i))
    still do."""
    stopping = tuple(flag for flag in inp.holding_flags if flag[0] in RECEIPT_STOPPING_FLAGS)
    receipt = replace(inp, holding_flags=stopping, window=ANY_HOUR, caps=NO_CAPS, is_holiday=lambda _day: False,
                      excluded_days=frozenset())
    for status_rule in (flag_rule, channel_rule):
        if withheld := status_rule(receipt):
            return withheld
    return _time_decision(receipt)
