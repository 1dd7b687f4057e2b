"""The finance console's pages and actions through the app on moto: roles enforced on the server, CSRF on every
form, one tenant never reaching another's data, the overview's charts, settings, and the audit export."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.support.console import FORM, add_user, sign_in
from tests.support.figures import flow_figures
from tests.support.samples import account

pytestmark = pytest.mark.aws


def auth(tenant: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def signed_in(client: Any, aws: Any, tenant: dict[str, str], role: str, address: str | None = None) -> dict[str, str]:
    address = address or f"{role}@{tenant['tenant_id'].replace('_', '-')}.example.com"
    add_user(aws, tenant["tenant_id"], address, role)
    return sign_in(client, aws, address)


def post(client: Any, session: dict[str, str], path: str, body: str, csrf: bool = True) -> Any:
    form = f"csrf={session['csrf']}&{body}" if csrf else body
    return client.http.post(path, headers={**FORM, "Cookie": session["cookie"]}, body=form)


def get(client: Any, session: dict[str, str], path: str) -> Any:
    return client.http.get(path, headers={"Cookie": session["cookie"]})


def console_changes(aws: Any, tenant: dict[str, str]) -> list[Any]:
    """Changes made in the console (people added by the tests' helper are `test`'s)."""
    return [c for c in aws.console_changes.recent(tenant["tenant_id"], 20) if c.actor.startswith("user:")]


def emails_of(aws: Any, tenant: dict[str, str]) -> list[str]:
    return [user.email for user in aws.console_people.of_tenant(tenant["tenant_id"])]


# --- roles and CSRF ------------------------------------------------------------------------------------------

def test_an_admin_adds_and_removes_a_person_and_each_change_names_them(client, aws, tenant):
    admin = signed_in(client, aws, tenant, "admin", "boss@acme.example.com")
    (admin_user,) = aws.console_people.of_tenant(tenant["tenant_id"])

    added = post(client, admin, "/console/settings/users", "email=new@acme.example.com&role=editor")

    assert added.status_code == 303
    assert emails_of(aws, tenant) == ["boss@acme.example.com", "new@acme.example.com"]
    new = next(u for u in aws.console_people.of_tenant(tenant["tenant_id"]) if u.email == "new@acme.example.com")
    assert post(client, admin, f"/console/settings/users/{new.user_id}/remove", "").status_code == 303
    assert emails_of(aws, tenant) == ["boss@acme.example.com"]
    changes = console_changes(aws, tenant)
    assert [(c.type, c.actor) for c in changes] == [("user_removed", f"user:{admin_user.user_id}"),
                                                     ("user_added", f"user:{admin_user.user_id}")]
    assert "new@acme.example.com" not in json.dumps([c.details for c in changes])  # no address in the log


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_a_viewer_or_editor_cannot_manage_people_or_secrets_and_nothing_is_written(client, aws, tenant, role):
    session = signed_in(client, aws, tenant, role)

    add = post(client, session, "/console/settings/users", "email=sneaky@acme.example.com&role=admin")
    secret = post(client, session, "/console/settings/webhook-secret", "provider=stripe&secret=whsec_0123456789")

    assert (add.status_code, secret.status_code) == (403, 403)
    assert emails_of(aws, tenant) == [f"{role}@{tenant['tenant_id'].replace('_', '-')}.example.com"]
    assert aws.webhook_secrets.get(tenant["tenant_id"], "stripe") is None
    assert console_changes(aws, tenant) == []


def test_a_post_without_the_csrf_token_is_403_and_writes_nothing(client, aws, tenant):
    admin = signed_in(client, aws, tenant, "admin")

    missing = post(client, admin, "/console/settings/users", "email=x@acme.example.com&role=viewer", csrf=False)
    wrong = post(client, admin, "/console/settings/users", "csrf=abc&email=x@acme.example.com&role=viewer",
                 csrf=False)
    signout = post(client, admin, "/console/signout", "", csrf=False)

    assert (missing.status_code, wrong.status_code, signout.status_code) == (403, 403, 403)
    assert emails_of(aws, tenant) == [f"admin@{tenant['tenant_id'].replace('_', '-')}.example.com"]
    assert get(client, admin, "/console").status_code == 200  # still signed in


def test_a_csrf_token_of_another_session_does_not_pass(client, aws, tenant):
    first = signed_in(client, aws, tenant, "admin", "a@acme.example.com")
    second = signed_in(client, aws, tenant, "admin", "b@acme.example.com")

    crossed = post(client, {"cookie": first["cookie"], "csrf": second["csrf"]}, "/console/settings/users",
                   "email=x@acme.example.com&role=viewer")

    assert crossed.status_code == 403
    assert "x@acme.example.com" not in emails_of(aws, tenant)


def test_signed_out_pages_show_the_sign_in_form(client, aws):
    for path in ("/console/settings", "/console/audit", "/console/audit.csv"):
        answer = client.http.get(path)
        assert answer.status_code == 401, path
        assert 'name="email"' in answer.body.decode()
    assert client.http.post("/console/settings/users", headers=FORM, body="email=a@b.example.com").status_code == 401


# --- tenants apart -------------------------------------------------------------------------------------------

def test_a_session_never_reaches_another_tenants_people_or_accounts(client, aws, tenant, other_tenant):
    # Given an admin of tenant A, and tenant B with a person and an account
    admin = signed_in(client, aws, tenant, "admin")
    theirs = add_user(aws, other_tenant["tenant_id"], "them@globex.example.com", "admin")
    assert client.http.put("/v1/accounts/acct-b", headers=auth(other_tenant),
                           body=json.dumps(account())).status_code == 201

    # When A's admin puts B's ids in the URLs
    remove = post(client, admin, f"/console/settings/users/{theirs}/remove", "")
    export = get(client, admin, "/console/audit.csv?account=acct-b")
    everything = get(client, admin, "/console/audit.jsonl")
    settings = get(client, admin, "/console/settings").body.decode()

    # Then nothing of B is found, shown or changed
    assert remove.status_code == 404
    assert aws.console_people.of_tenant(other_tenant["tenant_id"])[0].user_id == theirs
    assert export.status_code == 404
    assert everything.status_code == 200 and everything.body == b""
    assert "them@globex.example.com" not in settings


# --- the overview ----------------------------------------------------------------------------------------------

def with_history(aws: Any, tenant: dict[str, str], account_id: str) -> None:
    """A reminder sent, one held back and a payment this week, as the worker and a webhook would record them."""
    from chalicelib.domain.payments import SUCCEEDED, Payment

    stored = aws.account_repository.get(tenant["tenant_id"], account_id)
    now = aws.clock.now()
    stored.record(now, "message_sent", "worker", {"channel": "email", "template": "gentle_reminder"})
    stored.record(now, "message_withheld", "worker", {"rule": "dispute_open"})
    stored.add_line(Payment("stripe", "pi_1", SUCCEEDED, 1500, "EUR", now, "evt_1"))
    aws.account_repository.save(stored)


def test_the_overview_shows_the_figures_with_server_drawn_charts_under_a_strict_csp(client, aws, tenant):
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    with_history(aws, tenant, "acct-1")
    flow_figures(aws)
    viewer = signed_in(client, aws, tenant, "viewer")

    page = get(client, viewer, "/console?weeks=4")

    assert page.status_code == 200
    html = page.body.decode()
    csp = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert f'<style nonce="{nonce}">' in html
    assert "default-src 'none'" in csp and "script-src" not in csp and "<script" not in html
    assert ' style="' not in html  # the CSP allows no style attribute
    assert "<svg" in html and "Recovered per week (EUR)" in html and "€15.00" in html
    assert ">dispute open</text>" in html and ">email</text>" in html
    assert "Accounts</h2><p class=\"figure\">1</p>" in html
    assert get(client, viewer, "/console?weeks=5").status_code == 400


# --- settings --------------------------------------------------------------------------------------------------

def test_an_admin_sets_a_webhook_secret_that_is_never_shown(client, aws, tenant):
    admin = signed_in(client, aws, tenant, "admin")

    answer = post(client, admin, "/console/settings/webhook-secret", "provider=paddle&secret=pdl_ntfset_0123456789")
    page = get(client, admin, "/console/settings?done=secret").body.decode()

    assert answer.status_code == 303
    assert aws.webhook_secrets.get(tenant["tenant_id"], "paddle") == "pdl_ntfset_0123456789"
    assert "pdl_ntfset_0123456789" not in page
    assert "The webhook secret is set." in page and "<td>paddle</td><td>set</td>" in page
    (change,) = console_changes(aws, tenant)
    assert change.details == {"provider": "paddle"}


def test_a_bad_secret_or_processor_is_said_on_the_page_and_stores_nothing(client, aws, tenant):
    admin = signed_in(client, aws, tenant, "admin")

    short = post(client, admin, "/console/settings/webhook-secret", "provider=stripe&secret=short")
    unknown = post(client, admin, "/console/settings/webhook-secret", "provider=visa&secret=whsec_0123456789")

    assert short.status_code == 400 and "secret" in short.body.decode()
    assert unknown.status_code == 404
    assert aws.webhook_secrets.get(tenant["tenant_id"], "stripe") is None
    assert console_changes(aws, tenant) == []


def test_settings_show_the_sender_the_reply_to_and_the_summary_and_only_an_admin_changes_them(client, aws, tenant):
    viewer = signed_in(client, aws, tenant, "viewer")
    editor = signed_in(client, aws, tenant, "editor")

    page = get(client, viewer, "/console/settings").body.decode()

    assert "billing@acme.example.com" in page
    assert "Reply-to" in page and "Daily summary to" in page
    assert "An admin sets webhook secrets." in page and "Add a person" not in page
    assert 'console/settings/sending"' not in page  # nothing offered that the role cannot do
    for session in (viewer, editor):
        refused = post(client, session, "/console/settings/sending", "reply_to=ar%40acme.example.com")
        assert refused.status_code == 403
    assert aws.tenants.get(tenant["tenant_id"]).reply_to is None and console_changes(aws, tenant) == []


def test_an_admin_sets_the_reply_to_every_email_carries_and_the_daily_summary_address(client, aws, tenant):
    admin = signed_in(client, aws, tenant, "admin")
    assert 'console/settings/sending"' in get(client, admin, "/console/settings").body.decode()

    saved = post(client, admin, "/console/settings/sending",
                 "reply_to=ar%40acme.example.com&summary_to=finance%40acme.example.com")

    assert saved.status_code == 303
    aws.tenants._tenant_cache.clear()  # as another Lambda would read it
    assert aws.tenants.get(tenant["tenant_id"]).reply_to == "ar@acme.example.com"
    assert aws.tenants.get(tenant["tenant_id"]).reply_address == "ar@acme.example.com"
    assert aws.daily_summary.address(tenant["tenant_id"]) == "finance@acme.example.com"
    page = get(client, admin, "/console/settings").body.decode()
    assert "ar@acme.example.com" in page and "finance@acme.example.com" in page
    assert [(c.type, c.details) for c in console_changes(aws, tenant)][:2] == [
        ("daily_summary_set", {"to": "finance@acme.example.com"}),
        ("reply_to_set", {"reply_to": "ar@acme.example.com"})]

    # emptied, both are off again: replies go to the support address, no summary
    assert post(client, admin, "/console/settings/sending", "reply_to=&summary_to=").status_code == 303
    assert aws.tenants.get(tenant["tenant_id"]).reply_to is None
    assert aws.daily_summary.address(tenant["tenant_id"]) is None


def test_a_bad_address_is_said_on_the_settings_page_and_changes_neither(client, aws, tenant):
    admin = signed_in(client, aws, tenant, "admin")

    bad = post(client, admin, "/console/settings/sending", "reply_to=ar%40acme.example.com&summary_to=not-an-address")
    no_csrf = post(client, admin, "/console/settings/sending", "reply_to=ar%40acme.example.com", csrf=False)

    assert bad.status_code == 400 and "summary_to" in bad.body.decode()
    assert no_csrf.status_code == 403
    assert aws.tenants.get(tenant["tenant_id"]).reply_to is None
    assert aws.daily_summary.address(tenant["tenant_id"]) is None
    assert console_changes(aws, tenant) == []


# --- the audit export ------------------------------------------------------------------------------------------

def put_accounts(client: Any, tenant: dict[str, str], *ids: str) -> None:
    for account_id in ids:
        assert client.http.put(f"/v1/accounts/{account_id}", headers=auth(tenant),
                               body=json.dumps(account())).status_code == 201


def today() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().isoformat()


def test_the_audit_export_as_csv_for_the_tenant_or_one_account(client, aws, tenant):
    import csv
    import io

    put_accounts(client, tenant, "acct-1", "acct-2")
    viewer = signed_in(client, aws, tenant, "viewer")

    whole = get(client, viewer, f"/console/audit.csv?from={today()}&to={today()}")
    one = get(client, viewer, "/console/audit.csv?account=acct-2")

    assert whole.status_code == 200
    assert whole.headers["Content-Type"].startswith("text/csv")
    assert whole.headers["Content-Disposition"] == (
        f'attachment; filename="kindly-audit-all-accounts-{today()}-{today()}.csv"')
    rows = list(csv.DictReader(io.StringIO(whole.body.decode())))
    assert {row["account_id"] for row in rows} == {"acct-1", "acct-2"}
    assert all(row["type"] and row["hash"] and json.loads(row["details"]) is not None for row in rows)
    timeline = json.loads(client.http.get("/v1/accounts/acct-2/timeline", headers=auth(tenant)).body)["events"]
    one_rows = list(csv.DictReader(io.StringIO(one.body.decode())))
    assert [(int(r["seq"]), r["type"], r["hash"]) for r in one_rows] == [
        (e["seq"], e["type"], e["hash"]) for e in timeline]


def test_the_audit_export_as_json_lines_and_a_range_without_events(client, aws, tenant):
    put_accounts(client, tenant, "acct-1")
    viewer = signed_in(client, aws, tenant, "viewer")

    lines = get(client, viewer, "/console/audit.jsonl?account=acct-1").body.decode().splitlines()
    past = get(client, viewer, "/console/audit.jsonl?from=2020-01-01&to=2020-01-31")

    events = [json.loads(line) for line in lines]
    assert events and all(e["account_id"] == "acct-1" for e in events)
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    assert past.status_code == 200 and past.body == b""


@pytest.mark.parametrize("query, field", [
    ("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-12-02&to=2026-12-01", "from"),
    ("from=2020-01-01&to=2026-12-01", "from"), ("acount=acct-1", "acount"), ("account=bad%20id", "account"),
])
def test_bad_dates_or_parameters_get_a_clear_400(client, aws, tenant, query, field):
    viewer = signed_in(client, aws, tenant, "viewer")

    answer = get(client, viewer, f"/console/audit.csv?{query}")

    assert answer.status_code == 400
    assert field in answer.body.decode()


def test_the_export_form_offers_both_formats_and_the_navigation_marks_the_page(client, aws, tenant):
    viewer = signed_in(client, aws, tenant, "viewer")

    page = get(client, viewer, "/console/audit")

    html = page.body.decode()
    assert page.status_code == 200
    assert 'action="../console/audit.csv"' in html and 'formaction="../console/audit.jsonl"' in html
    assert f'value="{today()}"' in html
    assert '<a href="../console/audit" aria-current="page">Audit export</a>' in html
    assert '<a class="skip" href="#main">' in html
