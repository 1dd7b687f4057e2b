"""Tomorrow's run in plain words: what a forecast (services/forecast.py) comes to, counted and said the way the
account page's timeline says it (domain/plain_words.py). Pure: the console's "Tomorrow's run" page and the daily
summary email to finance both say it with these."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from msgspec import Struct

from .plain_words import NOT_SENT_FOR, WAITED_FOR

CHANNEL_NOUNS = {"email": ("email", "emails"), "sms": ("text", "texts")}
HOLD_REASONS = {"volume_above_usual": "more messages than the usual day",
                "first_run_of_policy": "the first run of a policy that asks for approval"}


def counted(n: int, channel: str) -> str:
    """ "1 email", "3 texts"; a channel without a noun is named as it is."""
    one, many = CHANNEL_NOUNS.get(channel, (f"{channel} message", f"{channel} messages"))
    return f"{n} {one if n == 1 else many}"


def reason_words(code: str) -> str:
    """Why a message is not sent, or waits, in the timeline's words; an unknown code is made readable."""
    return NOT_SENT_FOR.get(code) or WAITED_FOR.get(code) or code.replace("_", " ")


class RunSummary(Struct, frozen=True):
    """A forecast counted: messages by channel, held back by reason, waiting by reason, handed to a person."""

    by_channel: tuple[tuple[str, int], ...]
    held_back: tuple[tuple[str, int], ...]  # (reason code, n), most frequent first
    waited: tuple[tuple[str, int], ...]  # sent, but later than due: (why, n)
    handed_over: int

    @property
    def sending(self) -> int:
        return sum(n for _, n in self.by_channel)

    @property
    def holding(self) -> int:
        return sum(n for _, n in self.held_back)

    def sentence(self) -> str:
        """ "41 emails, 3 texts; 5 held back (3: the debt is disputed; 2: there is no email address)"."""
        sent = ", ".join(counted(n, channel) for channel, n in self.by_channel) or "nothing to send"
        if not self.held_back:
            return f"{sent}; nothing held back"
        why = "; ".join(f"{n}: {reason_words(code)}" for code, n in self.held_back)
        return f"{sent}; {self.holding} held back ({why})"

    def to_dict(self) -> dict[str, Any]:
        return {"by_channel": dict(self.by_channel), "held_back": dict(self.held_back), "waited": dict(self.waited),
                "handed_over": self.handed_over, "sentence": self.sentence()}


def summarise(forecast: dict[str, Any]) -> RunSummary:
    """Count a forecast's rows (its `send`, `hold_back` and `hand_over` lists)."""
    channels = Counter(str(row["channel"]) for row in forecast["send"])
    known = list(CHANNEL_NOUNS)
    order = sorted(channels, key=lambda c: (known.index(c) if c in known else len(known), c))
    held = Counter(str(row["reason"]) for row in forecast["hold_back"])
    waited = Counter(str(row["waited_for"]) for row in forecast["send"] if row.get("waited_for"))
    return RunSummary(tuple((c, channels[c]) for c in order), _most_first(held), _most_first(waited),
                      len(forecast["hand_over"]))


def _most_first(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def breaker_words(outlook: dict[str, Any]) -> str | None:
    """What the circuit breaker will do with this run (the forecast's `breaker`), or None when it lets it go."""
    hold = outlook.get("open_hold")
    if hold and hold.get("status") == "held":
        return ("A run is held now: nothing is queued until a person approves or discards it. The sweeps below "
                "go out only after an approval.")
    if hold and hold.get("status") == "approved":
        return "A held run was approved: the next sweep sends it."
    first_run = outlook.get("first_run")
    if first_run:
        return (f"The circuit breaker is expected to hold this run: policy {first_run['policy']} (version "
                f"{first_run['policy_version']}) asks for a person to approve its first run.")
    if outlook.get("would_hold"):
        return (f"The circuit breaker is expected to hold this run: {outlook['would_send']} messages, with "
                f"{outlook['sent_today']} sent today, is above today's limit of {outlook['threshold']} (the usual "
                f"day is {outlook['average']:g}). A person will have to approve it before it goes out.")
    return None


def local_when(local_time: str) -> str:
    """ "Mon 7 Dec, 09:00 (UTC+01:00)" from an ISO instant with the debtor's offset."""
    at = datetime.fromisoformat(local_time)
    offset = at.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"
    return f"{at.strftime('%a')} {at.day} {at.strftime('%b, %H:%M')} ({zone})"


def capped(rows: list[dict[str, Any]], cap: int) -> tuple[list[dict[str, Any]], int]:
    """The first `cap` rows, and how many more there are ("and N more")."""
    return rows[:cap], max(len(rows) - cap, 0)


def hold_words(hold: dict[str, Any]) -> str:
    """One held sweep (SweepHold.to_dict()), for finance: what it would send and why it waits. Counts only."""
    why = HOLD_REASONS.get(str(hold["reason"]), str(hold["reason"]).replace("_", " "))
    return (f"{hold['messages']} messages to {hold['accounts']} accounts, held at {str(hold['held_at'])[:16]} UTC "
            f"because of {why}")
