#!/usr/bin/env python3
"""Walkthrough: texts and reading hours, driven from the outside with nothing but API.md and `kindly`.

Start the local stack in one terminal (`make run`), then in another:

    .venv/bin/python scripts/walkthrough_sms.py            # --api http://127.0.0.1:8000 by default

It creates its own tenant (`kindly tenant create`), two policies and two overdue accounts over HTTP. The first
account agreed to texts: the worker (`kindly sweep --at`, each time at the instant the account says it next
needs) sends it an SMS reminder; the debtor texts STOP (`kindly sms receive`, handed to the `sms_inbound`
function as AWS End User Messaging would publish it), gets one confirmation, no second one for a repeated STOP,
and no text at the next SMS step; START, and the texts come again; HELP, and the answer names the tenant, how to
reach it and the page's short link. The second account opens three emails in the evening (`kindly ses event
--type open --at`, handed to `email_events` as SES would publish it): its next email waits for that evening
hour, and `kindly policy preview` says why before the worker sends it.

Only the Python standard library: HTTP with urllib, the `kindly` command with subprocess. Dates are counted from
today, so it works whatever day it runs; the worker's clock runs ahead, into the days of the reminders. Each
expectation is checked: the first one that fails stops the script with exit status 1.
"""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from walkthrough_common import Kindly, Walk, expect, of_type, run, say, section, stamp

ZONE = "America/Los_Angeles"
BRAND = "Walkthrough Texts"
SUPPORT = "help@texts.example.com"
PHONE = "+14255550142"
TEXTS_ACCOUNT, EVENING_ACCOUNT = "texts-1", "evening-1"
WINDOW = {"start": "08:00", "end": "21:00", "weekdays": [0, 1, 2, 3, 4, 5, 6]}
# Four texts, days apart (under the two-a-week cap): the first is sent, the second falls after the STOP, the
# third after the START.
TEXTS_POLICY = {"steps": [
    {"offset_days": 1, "channel": "sms", "template": "sms_reminder"},
    {"offset_days": 5, "channel": "sms", "template": "sms_nudge"},
    {"offset_days": 9, "channel": "sms", "template": "sms_reminder"},
    {"offset_days": 13, "channel": "sms", "template": "sms_nudge"},
], "send_window": WINDOW}
# Four emails three days apart: the first three are opened in the evening, the fourth goes then.
EMAIL_POLICY = {"steps": [
    {"offset_days": 1, "channel": "email", "template": "gentle_reminder"},
    {"offset_days": 4, "channel": "email", "template": "gentle_reminder"},
    {"offset_days": 7, "channel": "email", "template": "plan_offer"},
    {"offset_days": 10, "channel": "email", "template": "can_we_help"},
], "send_window": WINDOW}
OPENED_AT = [time(19, 10), time(19, 25), time(19, 40)]  # local evening times the three emails are opened


def texts_to(k: Kindly, phone: str) -> list[dict[str, Any]]:
    """The SMS the local stack's SNS received for this tenant's messages to `phone`, oldest first."""
    return [m for m in k.cli("outbox", "--tenant", k.tenant)["sms"] if m["phone"] == phone]


class TextingWalk(Walk):
    """An account's walk in which the debtor also texts back."""

    def __init__(self, kindly: Kindly, account_id: str, zone: ZoneInfo) -> None:
        super().__init__(kindly, account_id, zone, describe)

    def text(self, body: str, answering: str | None = None, after: timedelta = timedelta(minutes=10)) -> str:
        """The debtor texts `body` a little after the worker's clock; what sms_inbound did."""
        self.clock += after
        args = ["sms", "receive", "--from", PHONE, "--body", body, "--at", stamp(self.clock)]
        result = self.k.cli(*args, *(["--answering", answering] if answering else []))
        say(f"kindly sms receive --from {PHONE} --body {body!r} ({self.local(self.clock)} local)"
            f"  ->  {result['outcome']}")
        return str(result["outcome"])


def describe(event: dict[str, Any]) -> str:
    """One timeline event in a few words."""
    d = event.get("details") or {}
    words = [event["type"]]
    if d.get("template"):
        words.append(f"{d.get('channel') or 'finance'} {d['template']}")
    for name in ("rule", "reason", "source", "answers", "until", "timing"):
        if d.get(name) is not None:
            words.append(f"{name}={d[name]}")
    return " ".join(str(w) for w in words) + f"   [{event['actor']}]"


def texts_walk(k: Kindly, zone: ZoneInfo, due_on: str) -> None:
    walk = TextingWalk(k, TEXTS_ACCOUNT, zone)
    k.call("PUT", "/v1/policies/texts", TEXTS_POLICY, status=200)
    consent = {"source": "signup-form", "at": stamp(datetime.now(UTC) - timedelta(days=60))}
    account = k.call("PUT", f"/v1/accounts/{TEXTS_ACCOUNT}", {
        "name": "Sam Rivera", "phone": PHONE, "locale": "en-US", "timezone": ZONE, "country": "US", "region": "WA",
        "sms_consent": consent, "policy": "texts",
        "invoices": [{"id": "INV-T1", "amount": 12000, "currency": "USD", "issued_on": due_on, "due_on": due_on,
                      "payment_url": "https://pay.example/T1"}]}, status=201)
    expect(account["sms_consent"] and account["phone"] == PHONE, f"{TEXTS_ACCOUNT} agreed to texts at {PHONE}")
    walk.read_timeline()

    section("2. The worker texts a reminder")
    seen = walk.sweep_until("an SMS reminder", lambda seen: of_type(seen, "message_sent", channel="sms"))
    texts = texts_to(k, PHONE)
    expect(of_type(seen, "message_sent", channel="sms", template="sms_reminder") and len(texts) == 1,
           "one SMS reminder went out")
    say(f"kindly outbox: SMS {texts[0]['id']}: {texts[0]['text']!r}")
    reminder_id = texts[0]["id"]

    section("3. The debtor texts STOP: one confirmation, none for a repeated STOP")
    expect(walk.text("STOP", answering=reminder_id) == "opted_out", "sms_inbound opts the number out")
    seen = walk.read_timeline()
    expect(of_type(seen, "sms_opted_out") and all(e["actor"] == "debtor:sms" for e in of_type(seen, "sms_opted_out")),
           "sms_opted_out is audited, by the debtor (debtor:sms)")
    texts = texts_to(k, PHONE)
    say(f"kindly outbox: SMS {texts[-1]['id']}: {texts[-1]['text']!r}")
    expect(len(texts) == 2 and "no more texts" in texts[-1]["text"], "exactly one confirmation text came back")
    expect(walk.text("Stop.") == "already_opted_out", "a second STOP changes nothing")
    walk.read_timeline()
    expect(len(texts_to(k, PHONE)) == 2, "and sends no second confirmation")

    section("4. The next SMS step: no text")
    seen = walk.sweep_until("the next SMS step", lambda seen: of_type(seen, "message_withheld", rule="sms_opted_out"))
    expect(of_type(seen, "message_withheld", rule="sms_opted_out"), "the step is withheld: sms_opted_out")
    expect(len(texts_to(k, PHONE)) == 2 and not of_type(seen, "message_sent"), "no further SMS")

    section("5. The debtor texts START: texts again")
    # In reply to our last text (the confirmation), as a phone's thread does: that names the account it is about.
    expect(walk.text("START", answering=texts_to(k, PHONE)[-1]["id"]) == "opted_in", "sms_inbound gives consent again")
    seen = walk.read_timeline()
    expect(of_type(seen, "sms_opted_in", source="sms-reply") or of_type(seen, "sms_opted_in"),
           "sms_opted_in is audited (source sms-reply)")
    texts = texts_to(k, PHONE)
    say(f"kindly outbox: SMS {texts[-1]['id']}: {texts[-1]['text']!r}")
    expect(len(texts) == 3 and "again" in texts[-1]["text"], "one confirmation that texts will come again")
    seen = walk.sweep_until("a text again", lambda seen: of_type(seen, "message_sent", channel="sms"))
    texts = texts_to(k, PHONE)
    say(f"kindly outbox: SMS {texts[-1]['id']}: {texts[-1]['text']!r}")
    expect(len(texts) == 4 and of_type(seen, "message_sent", channel="sms"), "the next SMS step texts the debtor")

    section("6. The debtor texts HELP: who, how to reach them, the page")
    expect(walk.text("help", answering=texts[-1]["id"]) == "help_sent", "sms_inbound answers HELP")
    walk.read_timeline()
    texts = texts_to(k, PHONE)
    answer = texts[-1]["text"]
    say(f"kindly outbox: SMS {texts[-1]['id']}: {answer!r}")
    link = re.search(r"https?://\S+/s/[A-Za-z0-9_-]+", answer)
    expect(len(texts) == 5, "one answer")
    expect(BRAND in answer and SUPPORT in answer and link,
           f"it names {BRAND}, {SUPPORT} and a short link ({link.group(0) if link else 'none'})")


def evening_walk(k: Kindly, zone: ZoneInfo, due_on: str) -> None:
    walk = TextingWalk(k, EVENING_ACCOUNT, zone)
    section("7. An account that reads its email in the evening")
    k.call("PUT", "/v1/policies/emails", EMAIL_POLICY, status=200)
    k.call("PUT", f"/v1/accounts/{EVENING_ACCOUNT}", {
        "name": "Robin Lee", "email": "robin.walkthrough@example.com", "locale": "en-US", "timezone": ZONE,
        "country": "US", "region": "WA", "policy": "emails",
        "invoices": [{"id": "INV-E1", "amount": 8000, "currency": "USD", "issued_on": due_on, "due_on": due_on,
                      "payment_url": "https://pay.example/E1"}]}, status=201)
    walk.read_timeline()
    for n, opened in enumerate(OPENED_AT, start=1):
        seen = walk.sweep_until(f"email {n}", lambda seen: of_type(seen, "message_sent", channel="email"))
        [sent] = of_type(seen, "message_sent", channel="email")
        sent_at = datetime.fromisoformat(sent["at"].replace("Z", "+00:00"))
        at = datetime.combine(sent_at.astimezone(zone).date(), opened, zone)
        result = k.cli("ses", "event", "--tenant", k.tenant, "--message-id", sent["details"]["message_id"],
                       "--type", "open", "--at", stamp(at))
        say(f"kindly ses event --type open --at {stamp(at)} ({walk.local(at)} local)  ->  {result['outcome']}")
        expect(result["outcome"] == "opened", f"email {n}, sent at {walk.local(sent_at)}, is opened at {opened:%H:%M}")
        walk.read_timeline()

    section("8. The preview: the next email waits for the evening")
    start = walk.clock + timedelta(hours=1)
    preview = k.cli("policy", "preview", "emails", "--tenant", k.tenant, "--account", EVENING_ACCOUNT,
                    "--days", "7", "--start", stamp(start))
    emails = [m for m in preview["messages"] if m["channel"] == "email" and not m["withheld"]]
    expect(emails, "the preview shows the next email")
    first = emails[0]
    say(f"kindly policy preview: {first['template']} at {first['local_time']}, deferred_by={first.get('deferred_by')}"
        f", timing={first.get('timing')!r}")
    local = datetime.fromisoformat(first["local_time"])
    evidence = f"the last 3 opens were {OPENED_AT[0]:%H:%M}–{OPENED_AT[-1]:%H:%M}"
    expect(local.time() == OPENED_AT[0] and evidence in (first.get("timing") or ""),
           f"it goes at {OPENED_AT[0]:%H:%M} local, and says why: {evidence!r}")

    section("9. The worker waits for the evening, then sends")
    seen = walk.sweep_until("the evening email", lambda seen: of_type(seen, "message_sent", template="can_we_help"))
    expect(of_type(seen, "message_deferred", rule="engagement_timing"),
           "the step, due in the morning, is deferred: engagement_timing")
    [sent] = of_type(seen, "message_sent", template="can_we_help")
    sent_local = datetime.fromisoformat(sent["at"].replace("Z", "+00:00")).astimezone(zone)
    expect(sent_local.time() >= OPENED_AT[0] and sent_local.hour < 21 and evidence in sent["details"].get("timing", ""),
           f"can_we_help went at {sent_local:%H:%M} local, inside the reading hours, and the trail says why")


def walkthrough(k: Kindly) -> None:
    zone = ZoneInfo(ZONE)
    due_on = datetime.now(zone).date().isoformat()

    section("1. A tenant that texts, a policy of texts and an account that agreed to them")
    tenant = k.cli("tenant", "create", "--name", BRAND, "--sender-email", "billing@texts.example.com",
                   "--country", "US", "--timezone", ZONE, "--locale", "en-US", "--support-email", SUPPORT)
    k.tenant, k.key = tenant["tenant_id"], tenant["api_key"]
    say(f"kindly tenant create  ->  tenant {k.tenant}, an API key")
    texts_walk(k, zone, due_on)
    evening_walk(k, zone, due_on)


def main(argv: list[str] | None = None) -> int:
    return run(walkthrough, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
