"""Bodies built to crash or stall a JSON parser get a quick 400 in SPEC's error shape on every JSON route,
and change nothing."""

from __future__ import annotations

import json
import time

import pytest

from tests.aws.test_first_reminder import auth
from tests.aws.test_webhooks import post, set_secret
from tests.support import webhooks as wh
from tests.support.samples import POLICY, account

LEVELS = 1000
NESTED = "[" * LEVELS + "]" * LEVELS  # 2 KB: Python's json module recurses once per bracket


def nested_in(body: dict, field: str) -> str:
    """`body` as JSON text with `field` replaced by the 1,000-level array."""
    return json.dumps({**body, field: "@"}).replace('"@"', NESTED)


def error_of(response, status=400):
    assert response.status_code == status, response.body
    payload = json.loads(response.body)
    assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message", "field"}
    return payload["error"]


@pytest.fixture
def stored(client, tenant):
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    return tenant


def snapshot(client, tenant):
    """Everything a refused request could have changed: the account, its audit trail and the policy."""
    return [client.http.get(path, headers=auth(tenant)).body for path in
            ("/v1/accounts/acct-1", "/v1/accounts/acct-1/timeline", "/v1/policies/standard")]


API_ROUTES = [
    ("put", "/v1/accounts/acct-1", nested_in(account(), "tags")),
    ("put", "/v1/accounts/acct-new", nested_in(account(), "invoices")),
    ("put", "/v1/policies/standard", nested_in(POLICY, "steps")),
    ("post", "/v1/accounts/acct-1/flags", nested_in({"flag": "dispute", "active": True}, "note")),
    ("post", "/v1/policies/standard/preview", nested_in({"days": 30}, "account")),
    ("put", "/v1/webhook-secrets/stripe", nested_in({}, "secret")),
    ("put", "/v1/accounts/acct-1", NESTED),
]


@pytest.mark.parametrize(("method", "path", "body"), API_ROUTES, ids=[f"{m} {p}" for m, p, _ in API_ROUTES])
def test_a_body_nested_1000_deep_is_a_400_on_every_api_route(client, stored, method, path, body):
    before = snapshot(client, stored)
    response = getattr(client.http, method)(path, headers=auth(stored), body=body)
    error = error_of(response)
    assert error["code"] == "invalid" and "nests deeper" in error["message"]
    assert snapshot(client, stored) == before
    assert client.http.get("/v1/accounts/acct-new", headers=auth(stored)).status_code == 404


def _stripe(raw):
    return wh.stripe_headers(raw)


def _paddle(raw):
    return wh.paddle_headers(raw)


def _gocardless(raw):
    return wh.gocardless_headers(raw)


def _standard(raw):
    return wh.standard_headers(raw, "msg_deep")


SIGNED = {"stripe": (wh.STRIPE_SECRET, _stripe), "paddle": (wh.PADDLE_SECRET, _paddle),
          "gocardless": (wh.GOCARDLESS_SECRET, _gocardless), "standard": (wh.STANDARD_SECRET, _standard)}


@pytest.mark.parametrize("provider", sorted(SIGNED))
def test_a_correctly_signed_webhook_nested_1000_deep_is_a_400(client, stored, provider):
    secret, sign = SIGNED[provider]
    set_secret(client, stored, provider, secret)
    before = snapshot(client, stored)
    raw = nested_in({"type": "payment.succeeded", "data": {}}, "data").encode()

    response = post(client, stored["tenant_id"], provider, raw, sign(raw))

    assert error_of(response)["code"] == "invalid"
    assert snapshot(client, stored) == before


def many_keys(count: int, duplicate: str | None = None) -> str:
    """A valid account body with `count` more fields, and `duplicate` once again at the end."""
    fields = "".join(f', "k{i}": 0' for i in range(count))
    return json.dumps(account())[:-1] + fields + (f', "{duplicate}": 1' if duplicate else "") + "}"


def test_twenty_thousand_unknown_fields_are_refused_quickly(client, stored):
    body = many_keys(20_000)
    assert len(body) < 256 * 1024  # under the size limit: this is about the parser, not the 413

    started = time.process_time()
    response = client.http.put("/v1/accounts/acct-new", headers=auth(stored), body=body)
    spent = time.process_time() - started

    error = error_of(response)
    assert error["field"] == "k0" and error["message"] == "unknown field 'k0'"
    assert spent < 2.0  # a quadratic duplicate check took 4 s here; linear takes a few hundredths
    assert client.http.get("/v1/accounts/acct-new", headers=auth(stored)).status_code == 404


def test_a_key_repeated_after_twenty_thousand_others_is_named_quickly(client, stored):
    body = many_keys(20_000, duplicate="k19999")

    started = time.process_time()
    response = client.http.put("/v1/accounts/acct-new", headers=auth(stored), body=body)
    spent = time.process_time() - started

    assert error_of(response)["field"] == "k19999"
    assert spent < 2.0
    assert client.http.get("/v1/accounts/acct-new", headers=auth(stored)).status_code == 404
