"""A payment for an account Kindly does not know yet is kept, and applied when the billing system sends the
account (by the API or the CSV import): never dropped, never applied twice, never to another tenant."""

from __future__ import annotations

import json

from chalicelib.services.importer import import_csv
from tests.aws.test_first_reminder import auth, sweep
from tests.aws.test_payments_once import gocardless_confirmed, outcomes, thanks_sent, timeline
from tests.aws.test_webhooks import at, epoch, get_account, post, set_secret, stripe_paid
from tests.support import webhooks as wh
from tests.support.samples import account


def parked_items(aws):
    return list(aws.models.parked_payments.scan())


def test_a_payment_before_its_account_is_held_then_applied_when_the_account_arrives(client, aws, app_clock, tenant):
    app_clock(at("2026-11-30T12:00:00Z"))  # before the sweep below, on any date the suite runs
    set_secret(client, tenant, "stripe", wh.STRIPE_SECRET)
    payload = stripe_paid(created=epoch("2026-11-30T11:59:00Z"))

    # When Stripe reports a payment for a customer Kindly does not know yet
    answer = post(client, tenant["tenant_id"], "stripe", payload, wh.stripe_headers(payload))

    # Then it is answered 200 and kept, and no account appears
    assert outcomes(answer) == ["held_for_account"]
    assert client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).status_code == 404
    assert parked_items(aws)

    # When the billing system sends the account carrying that customer and invoice
    put = client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account()))

    # Then the payment is applied as the webhook would have: balance, audit, a thank-you on its way
    assert put.status_code == 201, put.body
    assert json.loads(put.body)["balance"] == {"EUR": 0}
    stored = get_account(client, tenant)
    assert stored["balance"] == {"EUR": 0} and stored["state"] == "settled"
    assert [e["type"] for e in timeline(client, tenant)] == ["account_created", "payment_succeeded"]
    assert timeline(client, tenant)[-1]["actor"] == "webhook:stripe"
    assert parked_items(aws) == []
    sweep(aws, "2026-12-01T09:00:00Z")
    assert len(thanks_sent(client, tenant)) == 1

    # And the processor's retry of the same webhook changes nothing
    again = post(client, tenant["tenant_id"], "stripe", payload, wh.stripe_headers(payload))
    assert outcomes(again) == ["unchanged"]
    changed = client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account(name="Ana G.")))
    assert changed.status_code == 200
    assert [e["type"] for e in timeline(client, tenant)].count("payment_succeeded") == 1
    assert get_account(client, tenant)["balance"] == {"EUR": 0}


def test_a_held_payment_is_applied_when_the_csv_import_brings_its_account(client, aws, tenant):
    set_secret(client, tenant, "gocardless", wh.GOCARDLESS_SECRET)
    payload = gocardless_confirmed()  # names kindly_account_id acct-1 and invoice INV-1001
    assert outcomes(post(client, tenant["tenant_id"], "gocardless", payload, wh.gocardless_headers(payload))) == [
        "held_for_account"]

    report = import_csv([
        "account_id,name,email,timezone,country,invoice_id,amount,currency,issued_on,due_on",
        "acct-1,Ana,ana@example.com,Europe/Madrid,ES,INV-1001,4900,EUR,2026-11-01,2026-11-15",
    ], lambda account_id, body: aws.accounts.upsert(tenant["tenant_id"], account_id, body, "cli"))

    assert report == {"created": 1, "updated": 0, "errors": []}
    assert get_account(client, tenant)["balance"] == {"EUR": 0}
    assert parked_items(aws) == []
    assert outcomes(post(client, tenant["tenant_id"], "gocardless", payload, wh.gocardless_headers(payload))) == [
        "unchanged"]


def test_another_tenants_held_payment_never_reaches_our_account(client, aws, tenant, other_tenant):
    # Given the other tenant's processor reported a payment for a customer id that we also use
    set_secret(client, other_tenant, "stripe", "whsec_other_tenant_secret")
    payload = stripe_paid()
    answer = post(client, other_tenant["tenant_id"], "stripe", payload,
                  wh.stripe_headers(payload, secret="whsec_other_tenant_secret"))
    assert outcomes(answer) == ["held_for_account"]

    # When our account with that customer id arrives
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201

    # Then it still owes, and the other tenant's payment still waits for the other tenant's account
    assert get_account(client, tenant)["balance"] == {"EUR": 4900}
    assert [e["type"] for e in timeline(client, tenant)] == ["account_created"]
    assert {item.tenant_id for item in parked_items(aws)} == {other_tenant["tenant_id"]}


def test_a_put_repeated_after_a_failure_still_applies_the_waiting_payment(client, aws, tenant, monkeypatch):
    set_secret(client, tenant, "stripe", wh.STRIPE_SECRET)
    payload = stripe_paid()
    post(client, tenant["tenant_id"], "stripe", payload, wh.stripe_headers(payload))

    # Given the account was saved, but applying what waited for it failed (DynamoDB throttled, say)
    def throttled(_account):
        raise RuntimeError("throttled")

    monkeypatch.setattr(aws.payments, "apply_waiting", throttled)
    failed = client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account()))
    assert failed.status_code == 500
    assert get_account(client, tenant)["balance"] == {"EUR": 4900}
    monkeypatch.undo()

    # When the billing system retries the same PUT, which changes nothing on the account itself
    again = client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account()))

    # Then the payment is applied now
    assert again.status_code == 200, again.body
    assert json.loads(again.body)["balance"] == {"EUR": 0}
    assert parked_items(aws) == []
