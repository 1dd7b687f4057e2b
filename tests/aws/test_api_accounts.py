"""PUT/GET /v1/accounts through the Chalice app: the contract in API.md, errors in SPEC's shape, and
nothing written when a request is refused."""

from __future__ import annotations

import json

import pytest

from tests.support.samples import account


def auth(tenant, content_type="application/json"):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": content_type}


def put(client, tenant, account_id, body, **kwargs):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.http.put(f"/v1/accounts/{account_id}", headers=auth(tenant), body=raw, **kwargs)


def error_of(response):
    payload = json.loads(response.body)
    assert set(payload) == {"error"} and set(payload["error"]) == {"code", "message", "field"}
    return payload["error"]


def test_put_creates_then_updates_and_get_returns_the_stored_account(client, tenant):
    created = put(client, tenant, "acct-1", account())
    assert created.status_code == 201
    body = json.loads(created.body)
    assert body["balance"] == {"EUR": 4900}
    assert body["state"] == "active"
    assert body["next_action_at"] == "2026-11-12T08:00:00Z"  # the -3 day heads-up, 09:00 in Madrid
    assert body["invoices"][0]["payment_url"] == "https://pay.example/1001"

    updated = put(client, tenant, "acct-1", account(name="Ana García López"))
    assert updated.status_code == 200
    fetched = client.http.get("/v1/accounts/acct-1", headers=auth(tenant))
    assert json.loads(fetched.body)["name"] == "Ana García López"


def test_repeating_the_same_put_is_idempotent_and_records_nothing_new(client, tenant):
    put(client, tenant, "acct-1", account())
    again = put(client, tenant, "acct-1", account())
    assert again.status_code == 200
    events = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"]
    assert [e["type"] for e in events] == ["account_created"]


def test_paying_every_invoice_settles_the_account_and_leaves_the_due_index(client, tenant):
    put(client, tenant, "acct-1", account())
    paid = account(invoices=[{**account()["invoices"][0], "status": "paid"}])
    body = json.loads(put(client, tenant, "acct-1", paid).body)
    assert body["balance"] == {} and body["state"] == "settled" and body["next_action_at"] is None


BAD_BODIES = [
    ("malformed json", '{"name": "Ana", ', None),
    ("not an object", "[1, 2]", None),
    ("unknown field", account(nickname="Ani"), "nickname"),
    ("unknown invoice field", account(invoices=[{**account()["invoices"][0], "total": 1}]), "invoices[0].total"),
    ("amount as text", account(invoices=[{**account()["invoices"][0], "amount": "4900"}]), "invoices[0].amount"),
    ("amount as float", account(invoices=[{**account()["invoices"][0], "amount": 49.5}]), "invoices[0].amount"),
    ("negative amount", account(invoices=[{**account()["invoices"][0], "amount": -4900}]), "invoices[0].amount"),
    ("absurd amount", account(invoices=[{**account()["invoices"][0], "amount": 10**18}]), "invoices[0].amount"),
    ("bad currency", account(invoices=[{**account()["invoices"][0], "currency": "EURO"}]), "invoices[0].currency"),
    ("unknown currency", account(invoices=[{**account()["invoices"][0], "currency": "ZZZ"}]), "invoices[0].currency"),
    ("bad timezone", account(timezone="Europe/Atlantis"), "timezone"),
    ("bad phone", account(phone="+3460012"), "phone"),
    ("phone not e164", account(phone="600 123 456"), "phone"),
    ("bad email", account(email="ana@"), "email"),
    ("non-ASCII local part", account(email="josé@example.com"), "email"),
    ("non-ASCII local part, IDN domain", account(email="añа@bücher.de"), "email"),
    ("bad locale", account(locale="zz-QQ"), "locale"),
    ("bad country", account(country="Spain"), "country"),
    ("name wrong type", account(name=42), "name"),
    ("unknown policy", account(policy="nonexistent"), "policy"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_BODIES, ids=[case for case, _, _ in BAD_BODIES])
def test_bad_input_gets_a_400_naming_the_field_and_writes_nothing(client, tenant, case, body, field):
    response = put(client, tenant, "acct-bad", body)
    assert response.status_code == 400, response.body
    error = error_of(response)
    assert error["code"] == "invalid" and error["field"] == field and error["message"]
    assert client.http.get("/v1/accounts/acct-bad", headers=auth(tenant)).status_code == 404


def test_a_rejected_update_leaves_the_stored_account_untouched(client, tenant):
    put(client, tenant, "acct-1", account())
    before = client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body
    assert put(client, tenant, "acct-1", account(email="not-an-email")).status_code == 400
    assert client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body == before


def test_a_body_over_the_limit_gets_413(client, tenant):
    huge = json.dumps(account(name="A" * (1024 * 1024)))
    response = put(client, tenant, "acct-1", huge)
    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_unicode_names_round_trip(client, tenant):
    name = "Zoë Ñúñez-李小龍 🙂"
    put(client, tenant, "acct-ü", account(name=name)) if False else None
    response = put(client, tenant, "acct-1", account(name=name))
    assert response.status_code == 201
    assert json.loads(client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body)["name"] == name


def test_an_account_id_with_unsafe_characters_is_refused(client, tenant):
    response = put(client, tenant, "acct%23evil", account())
    assert response.status_code == 400
    assert error_of(response)["field"] == "account_id"


def test_missing_or_wrong_api_key_is_401(client, tenant):
    no_key = client.http.get("/v1/accounts/acct-1")
    assert no_key.status_code == 401 and error_of(no_key)["code"] == "unauthenticated"
    wrong = client.http.get("/v1/accounts/acct-1", headers={"Authorization": "Bearer kindly_key_x_nope"})
    assert wrong.status_code == 401
    basic = client.http.get("/v1/accounts/acct-1", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert basic.status_code == 401
    bare = client.http.get("/v1/accounts/acct-1", headers={"Authorization": tenant["api_key"]})
    assert bare.status_code == 401


def test_the_auth_scheme_is_case_insensitive(client, tenant):
    put(client, tenant, "acct-1", account())
    lower = client.http.get("/v1/accounts/acct-1", headers={"Authorization": f"bearer {tenant['api_key']}"})
    assert lower.status_code == 200


def test_one_tenant_can_never_read_or_change_another_tenants_account(client, tenant, other_tenant):
    put(client, tenant, "acct-1", account())
    assert client.http.get("/v1/accounts/acct-1", headers=auth(other_tenant)).status_code == 404
    assert client.http.get("/v1/accounts/acct-1/timeline", headers=auth(other_tenant)).status_code == 404
    assert client.http.get("/v1/accounts/acct-1/audit/verify", headers=auth(other_tenant)).status_code == 404
    flag = client.http.post("/v1/accounts/acct-1/flags", headers=auth(other_tenant),
                            body=json.dumps({"flag": "dispute", "active": True}))
    assert flag.status_code == 404
    # The other tenant's PUT of the same id creates its own, separate account.
    assert put(client, other_tenant, "acct-1", account(name="Someone Else")).status_code == 201
    mine = json.loads(client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body)
    assert mine["name"] == "Ana García"


def test_flags_hold_reminders_and_are_audited(client, tenant):
    put(client, tenant, "acct-1", account())
    response = client.http.post("/v1/accounts/acct-1/flags", headers=auth(tenant),
                                body=json.dumps({"flag": "dispute", "active": True, "note": "says it was paid"}))
    assert response.status_code == 200
    assert json.loads(response.body)["flags"]["dispute"]["active"] is True
    bad = client.http.post("/v1/accounts/acct-1/flags", headers=auth(tenant),
                           body=json.dumps({"flag": "angry", "active": True}))
    assert bad.status_code == 400 and error_of(bad)["field"] == "flag"
    events = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"]
    assert events[-1]["type"] == "flag_set" and events[-1]["actor"].startswith("api_key:")


def test_a_put_that_meets_a_concurrent_change_is_reapplied_not_refused(client, aws, tenant):
    from unittest import mock

    from chalicelib.domain.errors import Conflict

    repository = aws.account_repository
    real_save = type(repository).save
    calls = []

    def save_once_conflicting(self, account):
        calls.append(account.account_id)
        if len(calls) == 1:
            raise Conflict("changed meanwhile", "account")
        return real_save(self, account)

    with mock.patch.object(type(repository), "save", save_once_conflicting):
        response = put(client, tenant, "acct-1", account())
    assert response.status_code == 201 and len(calls) == 2


def test_a_deferral_survives_a_repeat_put_and_a_contact_change(client, aws, tenant):
    from datetime import datetime

    from chalicelib.adapters.clock import FixedClock
    from chalicelib.bootstrap import Container
    from chalicelib.in_process_sweep import run_sweep

    put(client, tenant, "acct-1", account())
    night = datetime.fromisoformat("2026-12-01T22:00:00+00:00")
    run_sweep(Container(aws.settings, clock=FixedClock(night)), night)  # 23:00 in Madrid: deferred
    deferred_to = json.loads(client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body)["next_action_at"]
    assert deferred_to == "2026-12-02T08:00:00Z"

    assert put(client, tenant, "acct-1", account()).status_code == 200
    assert put(client, tenant, "acct-1", account(phone="+34600999888")).status_code == 200
    stored = json.loads(client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body)
    assert stored["next_action_at"] == deferred_to and stored["phone"] == "+34600999888"
    events = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"]
    assert [e["type"] for e in events].count("account_updated") == 1  # the repeat wrote nothing


def test_chalices_own_refusals_keep_the_error_shape(client, tenant):
    wrong_type = client.http.put("/v1/accounts/acct-1", body="name=Ana",
                                 headers={**auth(tenant), "Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    assert error_of(wrong_type) == {"code": "unsupported_media_type", "field": None,
                                    "message": "send the body as JSON (Content-Type: application/json)"}
    wrong_method = client.http.delete("/v1/accounts/acct-1", headers=auth(tenant))
    assert wrong_method.status_code == 405 and error_of(wrong_method)["code"] == "method_not_allowed"
    assert client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).status_code == 404  # nothing written


# --- internationalised addresses: the domain in its ASCII form, the local part ASCII ---------------------

def test_an_internationalised_domain_is_stored_and_shown_as_punycode(client, tenant):
    assert put(client, tenant, "acct-idn", account(email="ana@bücher.de")).status_code == 201
    stored = json.loads(client.http.get("/v1/accounts/acct-idn", headers=auth(tenant)).body)
    assert stored["email"] == "ana@xn--bcher-kva.de"


def test_a_csv_import_refuses_a_non_ascii_local_part_and_keeps_the_other_rows(aws, tenant):
    from chalicelib.services.importer import import_csv

    header = "account_id,name,email,timezone,invoice_id,amount,currency,issued_on,due_on\n"
    rows = ["idn,Ana,ana@bücher.de,Europe/Madrid,INV-1,4900,EUR,2026-11-01,2026-11-15\n",
            "local,José,josé@example.com,Europe/Madrid,INV-2,4900,EUR,2026-11-01,2026-11-15\n"]
    report = import_csv([header, *rows], lambda account_id, body: aws.accounts.upsert(
        tenant["tenant_id"], account_id, body, "cli"))  # as `kindly import accounts` wires it

    assert [(e["account_id"], e["line"], e["field"]) for e in report["errors"]] == [("local", 3, "email")]
    assert aws.account_repository.get(tenant["tenant_id"], "idn").email == "ana@xn--bcher-kva.de"
    assert aws.account_repository.get(tenant["tenant_id"], "local") is None


def test_a_tenant_sender_with_an_idn_domain_is_registered_with_ses_in_ascii(aws):
    from chalicelib.domain.errors import InvalidInput
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn

    created, _key = aws.tenants.create(parse(TenantIn, {"name": "Bücher GmbH", "sender_email": "rechnung@bücher.de",
                                                        "support_email": "hilfe@bücher.de"}))
    assert (created.sender_email, created.support_email) == ("rechnung@xn--bcher-kva.de", "hilfe@xn--bcher-kva.de")
    identities = aws.client("sesv2").list_email_identities()["EmailIdentities"]
    assert "rechnung@xn--bcher-kva.de" in [identity["IdentityName"] for identity in identities]
    for fields, field in [({"sender_email": "jürgen@example.com"}, "sender_email"),
                          ({"sender_email": "ar@example.com", "support_email": "hilfé@example.com"}, "support_email")]:
        with pytest.raises(InvalidInput) as refused:
            aws.tenants.create(parse(TenantIn, {"name": "Refused", **fields}))
        assert refused.value.field == field
