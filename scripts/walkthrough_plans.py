#!/usr/bin/env python3
"""Walkthrough: a payment plan, from the quote to a settlement, driven from the outside with nothing but API.md.

Start the local stack in one terminal (`make run`), then in another:

    .venv/bin/python scripts/walkthrough_plans.py            # --api http://127.0.0.1:8000 by default

It creates its own tenant (`kindly tenant create`), a policy and an overdue account over HTTP, quotes and agrees a
weekly plan of four instalments, and moves the worker's clock through the plan with `kindly sweep --at`, each
time to the instant the account says it next needs (`next_action_at`). Two instalments are paid by signed Stripe
webhooks, two are missed: the timeline shows the heads-ups, the nudge, the break and the policy's schedule
resuming. Then the settlement offer: read on the debtor's page, accepted there, paid by webhook; the account is
settled and the forgiven amount audited.

Only the Python standard library: HTTP with urllib, Stripe's documented signature scheme with hmac, the
`kindly` command with subprocess. Dates are counted from today, so it works whatever day it runs. Payments are
dated now, on the real clock (processors are checked against it); the worker's clock runs ahead, in the plan's
future. Each expectation is checked: the first one that fails stops the script with exit status 1.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from walkthrough_common import Kindly, Walk, expect, of_type, run, say, section

ACCOUNT_ID = "walk-1"
INVOICE_ID = "INV-1"
CUSTOMER = "cus_walkthrough"
ZONE = "Europe/Dublin"
OWED = 40000  # EUR 400.00, in cents
INSTALMENTS = 4
POLICY_NAME = "walkthrough"
# The policy's steps, from the invoice's due date. The plan is agreed 10 days after it and breaks about 42 days
# after it: the steps of days -3 to 10 are behind by then (the break's notice stands in for them), the one of
# day 45 is the schedule resuming, and the settlement offer comes 50 days overdue.
POLICY = {
    "steps": [
        {"offset_days": -3, "channel": "email", "template": "heads_up"},
        {"offset_days": 1, "channel": "email", "template": "gentle_reminder"},
        {"offset_days": 10, "channel": "email", "template": "plan_offer"},
        {"offset_days": 45, "channel": "email", "template": "can_we_help"},
        {"offset_days": 60, "channel": "email", "template": "final_notice_kind"},
        {"offset_days": 90, "action": "escalate"},
    ],
    "send_window": {"start": "09:00", "end": "19:00", "weekdays": [0, 1, 2, 3, 4, 5, 6]},
    "plans": {"max_instalments": 6, "min_instalment": 1000, "frequencies": ["weekly", "fortnightly", "monthly"],
              "grace_days": 3, "heads_up_days": 3},
    "settlement": {"discount_percent": 10, "valid_days": 14, "offer_after_days": 50},
}
EARLY_STEPS = {"heads_up", "gentle_reminder", "plan_offer"}


def money(minor: int) -> str:
    return f"EUR {minor // 100}.{minor % 100:02d}"


class PlanWalk(Walk):
    """The account's side of the walkthrough, which also pays by signed Stripe webhooks."""

    def __init__(self, kindly: Kindly, zone: ZoneInfo) -> None:
        super().__init__(kindly, ACCOUNT_ID, zone, describe, sweep_limit=12)
        self.secret = ""
        self.paid = 0

    def pay(self, invoice: str, amount: int) -> dict[str, Any]:
        """A Stripe invoice.paid for `amount`, dated now and signed with the secret set over the API."""
        event = {"id": f"evt_{secrets.token_hex(8)}", "object": "event", "type": "invoice.paid",
                 "created": int(time.time()), "livemode": False,
                 "data": {"object": {"id": invoice, "object": "invoice", "customer": CUSTOMER, "currency": "eur",
                                     "amount_due": amount, "amount_paid": amount, "status": "paid",
                                     "metadata": {"kindly_account_id": ACCOUNT_ID, "kindly_invoice_id": INVOICE_ID}}}}
        body = json.dumps(event).encode()
        stamp = str(int(time.time()))
        signature = hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        headers = {"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"}
        status, answer = self.k.http("POST", f"/webhooks/{self.k.tenant}/stripe", raw=body, headers=headers)
        print(f"  ->    POST /webhooks/{self.k.tenant}/stripe  invoice.paid {money(amount)}  {status}", flush=True)
        outcome = answer["events"][0]["outcome"] if status == 200 and answer.get("events") else answer
        expect(outcome == "applied", f"Stripe's payment of {money(amount)} is applied (outcome: {outcome})")
        self.paid += amount
        return answer


def describe(event: dict[str, Any]) -> str:
    """One timeline event in a few words."""
    d = event.get("details") or {}
    kind = event["type"]
    words = [kind]
    if d.get("template"):
        words.append(f"{d.get('channel') or 'finance'} {d['template']}")
    if d.get("notice") and ":" in d["notice"]:
        words.append(f"(instalment {d['notice'].split(':')[1]})")
    for name in ("rule", "n", "due_on", "amount", "amount_paid", "forgiven", "missed", "outstanding", "valid_until"):
        if name in d and d[name] is not None:
            words.append(f"{name}={d[name]}")
    return " ".join(str(w) for w in words) + f"   [{event['actor']}]"


def sent(events: list[dict[str, Any]], template: str, notice: str | None = None) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "message_sent" and (e.get("details") or {}).get("template") == template
            and (notice is None or e["details"].get("notice") == notice)]


def walkthrough(k: Kindly) -> None:
    zone = ZoneInfo(ZONE)
    today = datetime.now(zone).date()
    due_on = today - timedelta(days=10)
    first_on = today + timedelta(days=7)
    walk = PlanWalk(k, zone)

    section("1. A tenant, its policy, its Stripe secret and an overdue account")
    tenant = k.cli("tenant", "create", "--name", "Walkthrough Books", "--sender-email",
                   "billing@walkthrough.example.com", "--country", "IE", "--timezone", ZONE, "--locale", "en-IE")
    k.tenant, k.key = tenant["tenant_id"], tenant["api_key"]
    say(f"kindly tenant create  ->  tenant {k.tenant}, an API key")
    policy = k.call("PUT", f"/v1/policies/{POLICY_NAME}", POLICY, status=200)
    say(f"policy {POLICY_NAME!r} v{policy['version']}: settlement {POLICY['settlement']}")
    walk.secret = f"whsec_{secrets.token_hex(16)}"
    k.call("PUT", "/v1/webhook-secrets/stripe", {"secret": walk.secret}, status=204)
    account = k.call("PUT", f"/v1/accounts/{ACCOUNT_ID}", {
        "name": "Aoife Byrne", "email": "aoife.walkthrough@example.com", "locale": "en-IE", "timezone": ZONE,
        "country": "IE", "policy": POLICY_NAME, "processor_ids": {"stripe": CUSTOMER},
        "invoices": [{"id": INVOICE_ID, "amount": OWED, "currency": "EUR", "issued_on": (due_on - timedelta(days=30))
                      .isoformat(), "due_on": due_on.isoformat(), "payment_url": "https://pay.example/INV-1"}],
    }, status=201)
    expect(account["balance"] == {"EUR": OWED}, f"the account owes {money(OWED)}, due {due_on} (10 days ago)")

    section("2. Finance agrees a plan on the phone: quote, then create")
    request = {"frequency": "weekly", "instalments": INSTALMENTS, "first_on": first_on.isoformat(), "currency": "EUR"}
    quote = k.call("POST", f"/v1/accounts/{ACCOUNT_ID}/plan/quote", request, status=200)
    for i in quote["instalments"]:
        say(f"quote: instalment {i['n']}  {i['due_on']}  {money(i['amount'])}")
    dates = [(first_on + timedelta(weeks=n)).isoformat() for n in range(INSTALMENTS)]
    expect([i["due_on"] for i in quote["instalments"]] == dates, "four weekly dates from the first one asked for")
    expect(sum(i["amount"] for i in quote["instalments"]) == OWED == quote["total"], "they add up to what is owed")
    expect(of_type(walk.read_timeline(), "plan_created") == [], "a quote writes nothing")
    plan = k.call("PUT", f"/v1/accounts/{ACCOUNT_ID}/plan", request, status=201)
    expect(plan["status"] == "active" and plan["created_by"] == "tenant", "the plan is active, made by the tenant")
    expect([i["due_on"] for i in plan["instalments"]] == dates, "the plan keeps the quoted dates")
    instalments = plan["instalments"]
    walk.read_timeline()

    section("3. The worker confirms the plan to the debtor")
    walk.sweep_until("the plan confirmed", lambda seen: sent(seen, "plan_confirmed"))
    expect(sent(walk.events, "plan_confirmed"), "plan_confirmed went out by email")

    for n in (1, 2):
        section(f"{3 + n}. Instalment {n}: a heads-up, then Stripe pays it and the debtor is thanked")
        key = f"instalment_heads_up:{n}"
        seen = walk.sweep_until(f"the heads-up for instalment {n}",
                                lambda seen, key=key: sent(seen, "instalment_heads_up", key))
        [heads_up] = sent(seen, "instalment_heads_up", key)
        due = date.fromisoformat(instalments[n - 1]["due_on"])
        sent_on = datetime.fromisoformat(heads_up["at"].replace("Z", "+00:00")).astimezone(zone).date()
        expect(0 <= (due - sent_on).days <= 3, f"the heads-up came {(due - sent_on).days} day(s) before {due}")
        walk.pay(f"in_walk_instalment_{n}", instalments[n - 1]["amount"])
        current = walk.account()["plan"]["instalments"]
        expect([i["status"] for i in current] == ["paid"] * n + ["due"] * (INSTALMENTS - n),
               f"instalment {n} is paid, the earliest unpaid one")
        walk.read_timeline()
        walk.sweep_until("the thank-you", lambda seen: sent(seen, "thank_you"))

    section("6. Instalment 3: a heads-up, nothing paid, then the kind nudge after the grace days")
    seen = walk.sweep_until("the nudge for instalment 3", lambda seen: sent(seen, "instalment_missed"))
    expect(sent(walk.events, "instalment_heads_up", "instalment_heads_up:3"), "the heads-up for instalment 3 went out")
    expect([e["details"]["n"] for e in of_type(walk.events, "instalment_missed")] == [3],
           "instalment 3 is recorded missed")
    expect(sent(seen, "instalment_missed"), "instalment_missed (the nudge) went out by email")
    expect(walk.account()["plan"]["status"] == "active", "one miss does not break the plan")

    section("7. Instalment 4: a heads-up, nothing paid: the second miss breaks the plan")
    seen = walk.sweep_until("the plan ended", lambda seen: sent(seen, "plan_ended"))
    expect(sent(walk.events, "instalment_heads_up", "instalment_heads_up:4"), "the heads-up for instalment 4 went out")
    expect(of_type(seen, "plan_broken"), "plan_broken is recorded")
    expect([e for e in seen if e["type"] == "finance_notified" and e["details"].get("template") == "plan_broken"],
           "finance is told: plan_broken")
    expect(sent(seen, "plan_ended"), "the debtor gets plan_ended, courteously")
    plan = walk.account()["plan"]
    statuses = [i["status"] for i in plan["instalments"]]
    expect(plan["status"] == "broken" and statuses == ["paid", "paid", "missed", "missed"],
           f"the plan is broken: {', '.join(statuses)}")

    section("8. The policy's schedule resumes, from where it makes sense")
    ended_at = sent(walk.events, "plan_ended")[0]["seq"]
    seen = walk.sweep_until("a reminder of the policy", lambda seen: sent(seen, "can_we_help"))
    after = [e for e in walk.events if e["seq"] > ended_at and e["type"] == "message_sent"]
    expect(sent(seen, "can_we_help"), "the policy's next step (day 45, can_we_help) went out")
    expect(not [e for e in after if e["details"].get("template") in EARLY_STEPS],
           "no earlier step (heads_up, gentle_reminder, plan_offer) was sent again")

    section("9. A settlement offer, by email and on the debtor's page")
    walk.sweep_until("the settlement offer", lambda seen: sent(seen, "settlement_offer"))
    offer = walk.account()["settlement_offer"]
    owed = OWED - walk.paid
    expect(offer is not None, "the account carries a settlement offer")
    expect(offer["amount"] == owed * 90 // 100 and offer["accepted_at"] is None,
           f"the offer: pay {money(offer['amount'])} instead of {money(owed)}, by {offer['valid_until']}")
    token = page_token(k, offer["amount"])
    status, html = k.http("GET", f"/p/{token}", headers={"Accept-Language": "en-IE"})
    print(f"  ->    GET /p/<token from the email>  {status}", flush=True)
    shown = settle_section(html) if status == 200 else ""
    say(f"page: {shown}")
    expect(f"€{offer['amount'] // 100}.{offer['amount'] % 100:02d}" in shown and '[form action="…/settle"]' in shown,
           "the page states the offer and has a button to accept it")

    section("10. The debtor accepts it on the page")
    status, _ = k.http("POST", f"/p/{token}/settle", raw=b"",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    print(f"  ->    POST /p/<token>/settle  {status}", flush=True)
    expect(status == 303, "the page's form takes the offer (303 back to the page)")
    offer = walk.account()["settlement_offer"]
    expect(offer["accepted_at"], f"the offer is accepted ({offer['accepted_at']})")
    seen = walk.read_timeline()
    expect([e for e in of_type(seen, "settlement_accepted") if e["actor"] == "debtor:portal"],
           "settlement_accepted is audited, by the debtor on their page")
    walk.sweep_until("the acceptance confirmed", lambda seen: sent(seen, "settlement_confirmed"))

    section("11. Stripe pays the settlement: the account is settled, the rest forgiven")
    walk.pay("in_walk_settlement", offer["amount"])
    account = walk.account()
    seen = walk.read_timeline()
    forgiven = owed - offer["amount"]
    expect([e for e in of_type(seen, "settled_for_less") if e["details"]["forgiven"] == forgiven],
           f"settled_for_less is audited: {money(forgiven)} forgiven")
    expect(account["state"] == "settled" and account["balance"] == {"EUR": 0},
           "the account is settled and owes nothing")

    section("12. The audit trail holds together")
    verify = k.call("GET", f"/v1/accounts/{ACCOUNT_ID}/audit/verify", status=200)
    expect(verify["ok"] is True, f"the hash chain of its {verify['events']} events verifies")
    checked = k.cli("audit", "verify", ACCOUNT_ID, "--tenant", k.tenant)
    expect(checked["ok"] is True, f"`kindly audit verify {ACCOUNT_ID}` agrees")
    result = subprocess.run([k.command, "timeline", ACCOUNT_ID, "--tenant", k.tenant], capture_output=True,  # noqa: S603
                            text=True, timeout=120, check=False)
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    say(f"kindly timeline {ACCOUNT_ID} --tenant {k.tenant} | tail -1:")
    say(f"  {last[:150]}")
    expect("settled_for_less" in last and "forgiven=" in last, "the command line shows the same trail, ending settled")


def page_token(k: Kindly, amount: int) -> str:
    """The debtor's page link in the settlement offer's email, the one whose subject names its amount, as
    `kindly outbox` shows what SES received."""
    outbox = k.cli("outbox", "--tenant", k.tenant)
    euros = f"€{amount // 100}.{amount % 100:02d}"
    emails = [m for m in outbox["email"] if euros in (m.get("subject") or "")]
    say(f"kindly outbox: {len(outbox['email'])} emails; the offer's subject: "
        f"{emails[-1]['subject'] if emails else '(none)'!r}")
    link = re.search(r"/p/([A-Za-z0-9_-]+)", emails[-1]["text"]) if emails else None
    expect(link, "the offer's email carries the link to the debtor's page")
    assert link is not None
    return link.group(1)


def settle_section(html: str) -> str:
    """The page's settlement section as plain text, with its form's action kept."""
    found = re.search(r'<section aria-labelledby="settle">(.*?)</section>', html, re.S)
    if not found:
        return ""
    text = re.sub(r'<form[^>]*action="[^"]*/settle"[^>]*>', ' [form action="…/settle"] ', found.group(1))
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def main(argv: list[str] | None = None) -> int:
    return run(walkthrough, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
