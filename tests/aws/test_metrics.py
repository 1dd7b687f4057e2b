"""The finance view: figures a finance team asks for, summed over the tenant's own accounts only."""

from __future__ import annotations

import json

from tests.aws.test_first_reminder import auth, sweep
from tests.aws.test_webhooks import at, epoch
from tests.support import webhooks as wh
from tests.support.figures import flow_figures
from tests.support.samples import account


def metrics(client, tenant):
    answer = client.http.get("/v1/metrics", headers=auth(tenant))
    assert answer.status_code == 200, answer.body
    return json.loads(answer.body)


def test_figures_follow_what_happened(client, aws, app_clock, tenant, other_tenant):
    # Given three overdue accounts: one reminded, one disputed, one that pays through Stripe on 30 Nov
    app_clock(at("2026-11-30T12:00:00Z"))
    for account_id, email, customer in (("a-1", "a1@example.com", "cus_1"), ("a-2", "a2@example.com", "cus_2"),
                                        ("a-3", "a3@example.com", "cus_3")):
        body = account(email=email, processor_ids={"stripe": customer}, invoices=[
            {**account()["invoices"][0], "processor_invoice_id": f"in_{account_id}"}])
        put = client.http.put(f"/v1/accounts/{account_id}", headers=auth(tenant), body=json.dumps(body))
        assert put.status_code == 201
    client.http.post("/v1/accounts/a-2/flags", headers=auth(tenant),
                     body=json.dumps({"flag": "dispute", "active": True}))
    client.http.put("/v1/webhook-secrets/stripe", headers=auth(tenant), body=json.dumps({"secret": wh.STRIPE_SECRET}))
    paid = wh.body(wh.stripe_event("invoice.paid", wh.stripe_invoice(4900, id="in_a-3", customer="cus_3"),
                                   created=epoch("2026-11-30T11:59:00Z")))
    assert client.http.post(f"/webhooks/{tenant['tenant_id']}/stripe", headers=wh.stripe_headers(paid),
                            body=paid).status_code == 200

    # When the sweep runs at 10:00 in Madrid
    sweep(aws, "2026-12-01T09:00:00Z")

    # Then, once the accounts' stream has flowed, the figures say so
    flow_figures(aws)
    figures = metrics(client, tenant)
    assert figures["accounts"] == {"total": 3, "by_state": {"active": 1, "paused": 1, "settled": 1}}
    assert figures["recovered"] == {"EUR": 4900}
    assert figures["outstanding"] == {"EUR": 9800}
    assert figures["payments"]["payment_succeeded"] == 1
    assert figures["messages"]["sent"] == {"email": 2}  # a reminder to a-1 and a thank-you to a-3
    assert figures["messages"]["withheld"] == {"dispute_open": 1}
    assert figures["disputes"] == {"open": 1, "opened": 1}
    assert figures["opt_outs"] == {"email": 0, "sms": 0}
    assert figures["deliverability"] == {"bounce_rate": 0.0, "complaint_rate": 0.0, "bounced": 0, "complained": 0}

    # And another tenant sees only its own (empty) figures; no key, no figures
    theirs = metrics(client, other_tenant)
    assert theirs["accounts"] == {"total": 0, "by_state": {}} and theirs["recovered"] == {}
    assert client.http.get("/v1/metrics").status_code == 401
