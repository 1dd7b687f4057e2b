"""The finance console's people and sign-in, through the app (chalice.test.Client) on moto: the link by SES,
single use and 15 minutes, the same answer for an unknown address, the rate limit, the cookie, sign-out."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.aws.conftest import sent_emails
from tests.support.console import (
    FORM,
    add_user,
    ask_for_link,
    cookie_of,
    csrf_of,
    links_in_mail,
    sign_in,
    without_nonces,
)
from tests.support.figures import flow_figures

pytestmark = pytest.mark.aws


def test_a_person_added_by_the_command_gets_a_link_by_email_and_signs_in(client, aws, tenant, kindly, capsys):
    # Given a person registered with `kindly user add`
    assert kindly(["user", "add", "--tenant", tenant["tenant_id"], "--email", "Fin@Acme.example.com",
                   "--role", "viewer"]) == 0
    user_id = capsys.readouterr().out.strip()
    assert user_id.startswith("usr_")

    # When they ask for a link at the sign-in page
    answer = ask_for_link(client, "fin@acme.example.com")

    # Then the page says a link is on its way, and SES sent one, to that address, from the tenant's sender
    assert answer.status_code == 200 and "sign-in link is on its" in answer.body.decode()
    (message,) = sent_emails()
    assert set(message.destinations) == {"fin@acme.example.com"}
    (token,) = links_in_mail()

    # And the link gives a session cookie: HttpOnly, SameSite=Strict, only for /console, 8 hours
    signed_in = client.http.get(f"/console/signin/{token}")
    assert signed_in.status_code == 303
    assert signed_in.headers["Location"] == "../../console"
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # served over plain http locally: a Secure cookie would never come back

    # And with it the overview opens, naming the person and their role
    session = cookie_of(signed_in, "kindly_console")
    overview = client.http.get("/console", headers={"Cookie": f"kindly_console={session}"})
    assert overview.status_code == 200
    assert "fin@acme.example.com (viewer)" in overview.body.decode()


def test_the_cookie_is_secure_when_the_console_is_served_over_https(client, aws, tenant, monkeypatch):
    from msgspec.structs import replace

    add_user(aws, tenant["tenant_id"])
    ask_for_link(client, "fin@acme.example.com")
    monkeypatch.setattr(aws, "settings", replace(aws.settings, public_base_url="https://kindly.example.com/api"))

    signed_in = client.http.get(f"/console/signin/{links_in_mail()[0]}")

    assert "; Secure" in signed_in.headers["Set-Cookie"]
    assert "Path=/api/console" in signed_in.headers["Set-Cookie"]


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, aws, tenant):
    add_user(aws, tenant["tenant_id"])

    known = ask_for_link(client, "fin@acme.example.com")
    unknown = ask_for_link(client, "nobody@acme.example.com")

    assert (unknown.status_code, without_nonces(unknown.body)) == (known.status_code, without_nonces(known.body))
    assert len(sent_emails()) == 1


def test_a_link_works_once(client, aws, tenant):
    add_user(aws, tenant["tenant_id"])
    ask_for_link(client, "fin@acme.example.com")
    (token,) = links_in_mail()

    assert client.http.get(f"/console/signin/{token}").status_code == 303
    again = client.http.get(f"/console/signin/{token}")

    assert again.status_code == 401
    assert "ask for a new one" in again.body.decode()
    assert "Set-Cookie" not in again.headers or "kindly_console=" not in again.headers["Set-Cookie"]


def test_a_link_expires_after_15_minutes(client, aws, tenant, app_clock):
    from chalicelib.adapters.clock import SystemClock

    add_user(aws, tenant["tenant_id"])
    ask_for_link(client, "fin@acme.example.com")
    (token,) = links_in_mail()

    app_clock(SystemClock().now() + timedelta(minutes=15, seconds=1))
    late = client.http.get(f"/console/signin/{token}")

    assert late.status_code == 401
    assert "no longer works" in late.body.decode()


def test_a_made_up_link_is_refused_kindly(client, aws, tenant):
    answer = client.http.get("/console/signin/" + "x" * 43)
    assert answer.status_code == 401
    assert "ask for a new one" in answer.body.decode()


def test_sign_in_requests_are_limited_per_address(client, aws, tenant):
    add_user(aws, tenant["tenant_id"])

    answers = [ask_for_link(client, "fin@acme.example.com").status_code for _ in range(6)]
    other = ask_for_link(client, "someone-else@acme.example.com")

    assert answers == [200] * 5 + [429]
    assert len(sent_emails()) == 5
    assert other.status_code == 200  # the limit is per address


def test_a_sign_in_request_without_its_csrf_token_is_refused_and_sends_nothing(client, aws, tenant):
    add_user(aws, tenant["tenant_id"])
    page = client.http.get("/console")

    no_token = client.http.post("/console", headers={
        **FORM, "Cookie": f"kindly_console_form={cookie_of(page, 'kindly_console_form')}"},
        body="email=fin@acme.example.com")
    no_cookie = client.http.post("/console", headers=FORM, body=f"csrf={csrf_of(page.body)}&email=fin@acme.example.com")

    assert (no_token.status_code, no_cookie.status_code) == (403, 403)
    assert sent_emails() == []


def test_signing_out_ends_the_session_on_the_server(client, aws, tenant):
    add_user(aws, tenant["tenant_id"])
    session = sign_in(client, aws, "fin@acme.example.com")

    out = client.http.post("/console/signout", headers={**FORM, "Cookie": session["cookie"]},
                           body=f"csrf={session['csrf']}")

    assert out.status_code == 303
    assert "Max-Age=0" in out.headers["Set-Cookie"]
    replayed = client.http.get("/console/settings", headers={"Cookie": session["cookie"]})
    assert replayed.status_code == 401  # the old cookie, kept by someone, opens nothing
    assert 'name="email"' in replayed.body.decode()


def test_a_forged_or_tampered_cookie_opens_nothing(client, aws, tenant):
    add_user(aws, tenant["tenant_id"])
    session = sign_in(client, aws, "fin@acme.example.com")
    payload, mac = session["cookie"].removeprefix("kindly_console=").split(".")

    tampered = client.http.get("/console/settings", headers={"Cookie": f"kindly_console={payload}x.{mac}"})

    assert tampered.status_code == 401


def test_a_rotated_key_keeps_sessions_signed_with_the_previous_one(client, aws, tenant, kindly):
    add_user(aws, tenant["tenant_id"])
    session = sign_in(client, aws, "fin@acme.example.com")

    assert kindly(["console", "rotate-key"]) == 0
    aws.session_keys._cached = None  # the app's cache would see the rotation within minutes

    assert client.http.get("/console/settings", headers={"Cookie": session["cookie"]}).status_code == 200
    assert len(aws.session_keys.keys()) == 2


def test_a_removed_person_is_signed_out_at_once(client, aws, tenant):
    user_id = add_user(aws, tenant["tenant_id"])
    session = sign_in(client, aws, "fin@acme.example.com")

    aws.console_people.remove(tenant["tenant_id"], user_id, "test")

    assert client.http.get("/console/settings", headers={"Cookie": session["cookie"]}).status_code == 401


def test_an_address_is_unique_per_tenant_but_may_belong_to_two_tenants(client, aws, tenant, other_tenant, kindly,
                                                                         capsys):
    add_user(aws, tenant["tenant_id"])

    twice = kindly(["user", "add", "--tenant", tenant["tenant_id"], "--email", "FIN@acme.example.com",
                    "--role", "editor"])
    elsewhere = kindly(["user", "add", "--tenant", other_tenant["tenant_id"], "--email", "fin@acme.example.com",
                        "--role", "viewer"])

    assert twice == 1 and "already has a person" in capsys.readouterr().err
    assert elsewhere == 0
    capsys.readouterr()
    assert kindly(["user", "list", "--tenant", tenant["tenant_id"]]) == 0
    assert [(u["email"], u["role"]) for u in json.loads(capsys.readouterr().out)] == [
        ("fin@acme.example.com", "admin")]
    assert [u.role for u in aws.console_people.of_tenant(tenant["tenant_id"])] == ["admin"]
    ask_for_link(client, "fin@acme.example.com")
    assert len(links_in_mail()) == 2  # one link per tenant the address belongs to


def test_user_add_refuses_a_bad_address_or_an_unknown_tenant(aws, tenant, kindly, capsys):
    assert kindly(["user", "add", "--tenant", tenant["tenant_id"], "--email", "not-an-address",
                   "--role", "viewer"]) == 2
    assert "--email" in capsys.readouterr().err
    assert kindly(["user", "add", "--tenant", "t_nope", "--email", "a@b.example.com", "--role", "viewer"]) == 1
    assert aws.console_people.of_tenant(tenant["tenant_id"]) == []


def test_the_demo_tenant_has_a_finance_admin_who_can_sign_in(client, aws):
    from chalicelib.local.demo import DEMO_ACCOUNTS, DEMO_FINANCE_EMAIL, load_demo

    demo = load_demo(aws, aws.clock.now().date())
    flow_figures(aws)

    session = sign_in(client, aws, DEMO_FINANCE_EMAIL)
    overview = client.http.get("/console", headers={"Cookie": session["cookie"]}).body.decode()
    assert demo["console_email"] == DEMO_FINANCE_EMAIL
    assert f'Accounts</h2><p class="figure">{len(DEMO_ACCOUNTS)}</p>' in overview
    assert "Add a person" in client.http.get("/console/settings", headers={"Cookie": session["cookie"]}).body.decode()
