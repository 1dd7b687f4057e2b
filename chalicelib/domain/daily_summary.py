"""The daily summary email to a tenant's finance team: once a local day, in the hour before the tenant's first send
window opens, what the next 24 hours' sweeps will send and hold back, counted. Pure: when it is due, and its words.
Counts and reasons only: no debtor's name, address or account id goes into it (finance opens the console for those).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from .messages import RenderedMessage
from .tomorrow import RunSummary, counted, hold_words, reason_words

LEAD = timedelta(hours=1)  # sent within the hour before the first window opens (the schedule runs every 15 min)


def summary_due(local_now: datetime, opens: time) -> bool:
    """Whether the tenant's local time is in the hour before its first send window opens."""
    opening = local_now.replace(hour=opens.hour, minute=opens.minute, second=0, microsecond=0)
    return opening - LEAD <= local_now < opening


def first_opening(starts: list[time]) -> time:
    """The earliest of the tenant's policies' send windows (08:00, when any message may go, when it has none)."""
    return min(starts, default=time(8, 0))


def summary_email(brand: str, day: str, summary: RunSummary, breaker: str | None, holds: list[dict[str, Any]],
                  link: str) -> RenderedMessage:
    """The email: counts by channel, held back by reason, the breaker's outlook, held runs; and the link."""
    lines = ["Good morning,", "", f"here is what Kindly's sweeps for {brand} will do in the next 24 hours ({day}):",
             "", f"Will be sent: {', '.join(counted(n, c) for c, n in summary.by_channel) or 'nothing'}"]
    lines.append(f"Held back: {summary.holding}")
    lines += [f"  {n}: {reason_words(code)}" for code, n in summary.held_back]
    if summary.waited:
        lines.append("Sent later than due:")
        lines += [f"  {n}: {reason_words(code)}" for code, n in summary.waited]
    if summary.handed_over:
        lines.append(f"Handed to a person at your company: {summary.handed_over}")
    if breaker:
        lines += ["", breaker]
    waiting = [hold for hold in holds if hold.get("status") == "held"]
    if waiting:
        lines += ["", "Held runs waiting for your approval:"]
        lines += [f"  - {hold_words(hold)}" for hold in waiting]
    lines += ["", f"See every message and approve held runs in the console: {link}", "",
              "You get this email because your team asked for a daily summary. An admin can stop it with "
              "`kindly tenant set --daily-summary-to ''`."]
    subject = f"{brand}: today's run, {summary.sending} to send, {summary.holding} held back"
    if waiting:
        subject += ", a held run awaits approval"
    return RenderedMessage(text="\n".join(lines) + "\n", subject=subject)
