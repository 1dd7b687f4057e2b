"""When the debtor reads and acts, learned from what they did: a rule anyone can read, not a model.

The signals are the moments the debtor opened or clicked one of our emails, opened their page, or paid. The
account keeps only the last `KEEP` of them (plus the payments already on its ledger), never the whole history.

The rule (`reading_hours`): take the most recent signals of the last `LOOKBACK` days, at most `KEEP`; with at
least `MIN_SIGNALS` of them whose local times of day all fall inside `MAX_SPREAD`, the debtor's reading hours
are [earliest, latest] of those times (at least an hour wide). Otherwise there is no signal worth following and
nothing changes.

How decide() uses it for an email step that is due and that the guard allows now (`timing`):
- inside the reading hours today: send now, and say why;
- before them today: wait for their start, when the guard allows that instant (a daytime reader's email is on
  top of the inbox when they look, not buried under the day's mail);
- after them today: wait for tomorrow's start, when the guard allows it. The goal is to reach the debtor when
  they read, and an email sent in the evening to a morning reader lies under a night of mail; but no step
  waits for this more than `MAX_DELAY`, nor past the day after its own day (so it can never be put off day
  after day), and a day the guard rules out (a Sunday, a holiday, a full cap) means sending now, as without
  the rule.
The guard always wins: the chosen instant is one the courtesy guard allows, or nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from msgspec import Struct

KEEP = 10  # signals kept on the account
MIN_SIGNALS = 3
LOOKBACK = timedelta(days=90)
MAX_SPREAD = timedelta(hours=3)
MAX_DELAY = timedelta(days=1)
MIN_WIDTH_MINUTES = 60
ENGAGEMENT_TIMING = "engagement_timing"  # the rule a message deferred to the debtor's reading hours names

OPENED, CLICKED, VISITED, PAID = "opened", "clicked", "visited", "paid"
_PLURAL = {OPENED: "opens", CLICKED: "clicks", VISITED: "page visits", PAID: "payments"}


class Signal(Struct, frozen=True):
    """A moment the debtor read or acted: `kind` opened / clicked / visited / paid."""

    at: datetime
    kind: str


class ReadingHours(Struct, frozen=True):
    """The local [start, end] of day the debtor reads and acts, and the sentence that says what shows it."""

    start: time
    end: time
    evidence: str  # e.g. "the last 3 opens were 18:40–19:20"

    def contains(self, local: time) -> bool:
        return self.start <= local <= self.end


def remember(signals: Iterable[Signal], new: Signal) -> list[Signal]:
    """The account's signals with `new` added: the latest `KEEP`, oldest first, each moment once."""
    kept = sorted({*signals, new}, key=lambda s: (s.at, s.kind))
    return kept[-KEEP:]


def reading_hours(signals: Iterable[Signal], zone_name: str, now: datetime) -> ReadingHours | None:
    """The debtor's reading hours in `zone_name`, or None without enough signal (see the module's rule)."""
    recent = sorted((s for s in signals if now - LOOKBACK <= s.at <= now), key=lambda s: s.at)[-KEEP:]
    if len(recent) < MIN_SIGNALS:
        return None
    where = ZoneInfo(zone_name)
    times = sorted(s.at.astimezone(where).time().replace(second=0, microsecond=0) for s in recent)
    first, last = times[0], times[-1]
    if _minutes(last) - _minutes(first) > MAX_SPREAD.total_seconds() // 60:
        return None
    kinds = [k for k in (OPENED, CLICKED, VISITED, PAID) if any(s.kind == k for s in recent)]
    named = " and ".join(_PLURAL[k] for k in kinds)
    span = f"{first:%H:%M}" if first == last else f"{first:%H:%M}–{last:%H:%M}"
    # At least an hour wide, so a worker that picks the account up a few minutes late still finds it inside.
    end = max(last, _time(min(_minutes(first) + MIN_WIDTH_MINUTES, 24 * 60 - 1)))
    return ReadingHours(first, end, f"the last {len(recent)} {named} were {span}")


class Timing(Struct, frozen=True):
    """What the reading hours change for a message allowed now: send now (`defer_to` None) or wait."""

    defer_to: datetime | None
    reason: str  # for the preview and the audit event


def timing(hours: ReadingHours | None, zone_name: str, now: datetime, allowed: Callable[[datetime], bool],
           step_opened: datetime) -> Timing | None:
    """Whether to send now or wait for the debtor's reading hours (module docstring); None: nothing changes.
    `allowed` says whether the courtesy guard would let the message go at an instant; `step_opened` is when the
    step's own day opened: it never waits past the day after that, however often it is looked at."""
    if hours is None:
        return None
    where = ZoneInfo(zone_name)
    local = now.astimezone(where)
    if hours.contains(local.time()):
        return Timing(None, f"sent at {local:%H:%M} local: {hours.evidence}")
    day = local.date() if local.time() < hours.start else local.date() + timedelta(days=1)
    target = datetime.combine(day, hours.start, where)
    last_day = step_opened.astimezone(where).date() + timedelta(days=1)
    if target - now > MAX_DELAY or target.date() > last_day or not allowed(target):
        return None
    return Timing(target, f"sent at {hours.start:%H:%M} local: {hours.evidence}")


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)
