"""A processor's webhook from the outside: over HTTP to `chalice local`, onto DynamoDB Local, with the secret in
moto server's SSM. The account is found by its Stripe customer id through the processor-refs table."""

from __future__ import annotations

import json
import time

from tests.integration.test_script_end_to_end import http, kindly, stack  # noqa: F401 - `stack` is a fixture
from tests.support import webhooks as wh
from tests.support.samples import ACCOUNT


def test_a_signed_stripe_payment_settles_an_account_once(stack):  # noqa: F811 - the imported fixture
    env, api = stack["env"], stack["api"]
    tenant = json.loads(kindly(env, "tenant", "create", "--name", "Acme Pagos", "--sender-email",
                               "pagos@acme.example.com", "--country", "ES").stdout)
    headers = {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}
    status, _ = http("PUT", f"{api}/v1/accounts/acct-7", ACCOUNT, headers)
    assert status == 201
    status, _ = http("PUT", f"{api}/v1/webhook-secrets/stripe", {"secret": wh.STRIPE_SECRET}, headers)
    assert status == 204

    hook = f"{api}/webhooks/{tenant['tenant_id']}/stripe"
    payload = wh.body(wh.stripe_event("invoice.paid", wh.stripe_invoice(), "evt_e2e", int(time.time())))
    forged = wh.stripe_headers(payload, secret="whsec_forged")
    status, error = http("POST", hook, payload, forged)
    assert status == 401 and error["error"]["field"] == "Stripe-Signature"

    status, answer = http("POST", hook, payload, wh.stripe_headers(payload))
    assert status == 200, answer
    assert answer["events"] == [{"event_id": "evt_e2e", "kind": "payment_succeeded", "outcome": "applied"}]
    status, again = http("POST", hook, payload, wh.stripe_headers(payload))
    assert status == 200 and again["events"][0]["outcome"] == "unchanged"

    status, stored = http("GET", f"{api}/v1/accounts/acct-7", headers=headers)
    assert stored["balance"] == {"EUR": 0} and stored["state"] == "settled"
    status, timeline = http("GET", f"{api}/v1/accounts/acct-7/timeline", headers=headers)
    assert [e["type"] for e in timeline["events"]].count("payment_succeeded") == 1
    assert [e["actor"] for e in timeline["events"]][-1] == "webhook:stripe"
    status, verify = http("GET", f"{api}/v1/accounts/acct-7/audit/verify", headers=headers)
    assert verify["ok"] is True
