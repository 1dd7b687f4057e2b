"""The console's accounts pages through the app on moto: search and filter, one account's page (balance,
invoices, policy, the timeline in plain words, the chain's verification, the preview), flags set and cleared as
`user:<id>`, resume for a held account; roles, CSRF and tenants apart on every action."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.in_process_sweep import run_sweep
from tests.support.console import FORM, add_user, sign_in
from tests.support.samples import account

pytestmark = pytest.mark.aws


def auth(tenant: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def signed_in(client: Any, aws: Any, tenant: dict[str, str], role: str) -> dict[str, str]:
    address = f"{role}@{tenant['tenant_id'].replace('_', '-')}.example.com"
    user_id = add_user(aws, tenant["tenant_id"], address, role)
    return {**sign_in(client, aws, address), "user_id": user_id}


def post(client: Any, session: dict[str, str], path: str, body: str, csrf: bool = True) -> Any:
    form = f"csrf={session['csrf']}&{body}" if csrf else body
    return client.http.post(path, headers={**FORM, "Cookie": session["cookie"]}, body=form)


def get(client: Any, session: dict[str, str], path: str) -> Any:
    return client.http.get(path, headers={"Cookie": session["cookie"]})


def put_account(client: Any, tenant: dict[str, str], account_id: str, **changes: Any) -> None:
    answer = client.http.put(f"/v1/accounts/{account_id}", headers=auth(tenant), body=json.dumps(account(**changes)))
    assert answer.status_code == 201, answer.body


def events(client: Any, tenant: dict[str, str], account_id: str) -> list[dict[str, Any]]:
    answer = client.http.get(f"/v1/accounts/{account_id}/timeline", headers=auth(tenant))
    return list(json.loads(answer.body)["events"])


def sweep(aws: Any, at: str) -> dict[str, Any]:
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.bootstrap import Container

    instant = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return dict(run_sweep(Container(aws.settings, clock=FixedClock(instant)), instant, None))


def linked_ids(page: str) -> list[str]:
    return re.findall(r'href="[./]*console/accounts/([^"?/]+)"', page)


def text_of(page: str) -> str:
    """The page's words, tags out and whitespace folded, as a person reads it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def hold(aws: Any, tenant: dict[str, str], account_id: str) -> None:
    """Given: money went back (a refund), so the account waits for a person (as a refund webhook leaves it)."""
    stored = aws.account_repository.get(tenant["tenant_id"], account_id)
    stored.state, stored.hold_reason = "held", "refund"
    aws.account_repository.save(stored)


# --- search ------------------------------------------------------------------------------------------------

def test_search_finds_by_id_name_or_email_whatever_the_case(client, aws, tenant):
    put_account(client, tenant, "acct-ana")
    put_account(client, tenant, "acct-bob", name="Bob Stone", email="bob@stone.example.com")
    put_account(client, tenant, "zz-9", name="Carla Ruiz", email="carla@ruiz.example.com")
    viewer = signed_in(client, aws, tenant, "viewer")

    by_name = get(client, viewer, "/console/accounts?q=GARC").body.decode()
    by_email = get(client, viewer, "/console/accounts?q=stone.EXAMPLE").body.decode()
    by_id = get(client, viewer, "/console/accounts?q=zz-").body.decode()
    everyone = get(client, viewer, "/console/accounts").body.decode()

    assert linked_ids(by_name) == ["acct-ana"]
    assert linked_ids(by_email) == ["acct-bob"]
    assert linked_ids(by_id) == ["zz-9"]
    assert linked_ids(everyone) == ["acct-ana", "acct-bob", "zz-9"]
    assert "€49.00" in text_of(everyone) and "3 accounts" in text_of(everyone)


def test_the_state_filter_keeps_only_accounts_in_that_state(client, aws, tenant):
    put_account(client, tenant, "acct-owing")
    put_account(client, tenant, "acct-held")
    put_account(client, tenant, "acct-paid", invoices=[{**account()["invoices"][0], "status": "paid"}])
    put_account(client, tenant, "acct-disputed")
    hold(aws, tenant, "acct-held")
    editor = signed_in(client, aws, tenant, "editor")
    assert post(client, editor, "/console/accounts/acct-disputed/flags",
                "flag=dispute&action=set&note=not+mine").status_code == 303

    def found(state: str) -> list[str]:
        answer = get(client, editor, f"/console/accounts?state={state}")
        assert answer.status_code == 200
        return linked_ids(answer.body.decode())

    assert found("held") == ["acct-held"]
    assert found("disputed") == ["acct-disputed"]
    assert found("paused") == ["acct-disputed"]  # a dispute of the whole account pauses it
    assert found("settled") == ["acct-paid"]
    assert found("overdue") == ["acct-owing"]
    assert found("escalated") == []


def test_a_bad_filter_or_page_gets_a_clear_400(client, aws, tenant):
    viewer = signed_in(client, aws, tenant, "viewer")

    for query, says in (("state=asleep", "state must be one of"), ("page=0", "page must be"),
                        ("q=" + "x" * 201, "at most 200")):
        answer = get(client, viewer, f"/console/accounts?{query}")
        assert answer.status_code == 400 and says in answer.body.decode()


def test_results_come_in_pages(client, aws, tenant):
    for n in range(27):
        put_account(client, tenant, f"acct-{n:02d}")
    viewer = signed_in(client, aws, tenant, "viewer")

    first = get(client, viewer, "/console/accounts").body.decode()
    second = get(client, viewer, "/console/accounts?page=2").body.decode()

    assert linked_ids(first) == [f"acct-{n:02d}" for n in range(25)]
    assert linked_ids(second) == ["acct-25", "acct-26"]
    assert "page 2 of 2" in text_of(second) and 'rel="next"' in first and 'rel="prev"' in second


# --- one account -------------------------------------------------------------------------------------------

def test_the_account_page_shows_balance_invoices_policy_preview_and_the_timeline_in_plain_words(client, aws,
                                                                                                 tenant, app_clock):
    put_account(client, tenant, "acct-1")
    sweep(aws, "2026-12-01T21:40:00Z")  # 22:40 in Madrid: the reminder waits for the morning
    # The page's preview runs from the console's clock: stopped just after the sweep, it shows the same steps on
    # any date the suite runs (by the real clock, the plan offer's day has passed and a later step replaces it)
    app_clock(datetime(2026, 12, 1, 21, 45, tzinfo=UTC))
    viewer = signed_in(client, aws, tenant, "viewer")

    answer = get(client, viewer, "/console/accounts/acct-1")

    assert answer.status_code == 200
    page = text_of(answer.body.decode())
    assert "Ana García" in page and "€49.00" in page and "INV-1001" in page
    assert "Reminder held back: 22:40 in Madrid, outside 08:00–21:00; sent next morning at 09:00." in page
    assert "Account created by your system, through the API: owes €49.00." in page
    assert "The audit chain verifies: 3 events" in page
    assert "Policy standard named on the account" in page  # which policy applies, and why
    assert "Next 60 days" in page and "plan offer by email" in page and "moved by outside send window" in page
    assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'nonce-")
    assert "<script" not in answer.body.decode()
    assert "Save the flag" not in page  # a viewer gets no form


def test_a_disputed_invoice_is_marked_on_the_page(client, aws, tenant):
    second = {"id": "INV-1002", "amount": 1000, "currency": "EUR", "issued_on": "2026-11-02", "due_on": "2026-11-16"}
    put_account(client, tenant, "acct-1", invoices=[*account()["invoices"], second])
    editor = signed_in(client, aws, tenant, "editor")

    assert post(client, editor, "/console/accounts/acct-1/flags",
                "flag=dispute&action=set&invoice_id=INV-1002").status_code == 303
    page = text_of(get(client, editor, "/console/accounts/acct-1").body.decode())

    assert "INV-1002 €10.00 2026-11-02 2026-11-16 open · disputed" in page
    assert page.count("open · disputed") == 1


def test_an_editor_sets_and_clears_a_flag_audited_as_their_user(client, aws, tenant):
    put_account(client, tenant, "acct-1")
    editor = signed_in(client, aws, tenant, "editor")

    set_ = post(client, editor, "/console/accounts/acct-1/flags",
                "flag=hardship&action=set&until=2099-01-31&note=lost+job")
    cleared = post(client, editor, "/console/accounts/acct-1/flags", "flag=hardship&action=clear")

    assert (set_.status_code, cleared.status_code) == (303, 303)
    assert set_.headers["Location"].endswith("console/accounts/acct-1?done=flag")
    flagged = [e for e in events(client, tenant, "acct-1") if e["type"] in ("flag_set", "flag_cleared")]
    assert [(e["type"], e["actor"], e["details"]["until"]) for e in flagged] == [
        ("flag_set", f"user:{editor['user_id']}", "2099-01-31"), ("flag_cleared", f"user:{editor['user_id']}", None)]
    page = text_of(get(client, editor, "/console/accounts/acct-1?done=flag").body.decode())
    assert "The flag is saved." in page
    assert f"Flag “hardship” set by a person in the console (user:{editor['user_id']}) until Sat 31 Jan 2099." in page
    assert f"Flag “hardship” cleared by a person in the console (user:{editor['user_id']})." in page


def test_a_bad_flag_form_is_said_and_changes_nothing(client, aws, tenant):
    put_account(client, tenant, "acct-1")
    editor = signed_in(client, aws, tenant, "editor")
    before = events(client, tenant, "acct-1")

    for body, says in (("flag=napping&action=set", "flag"), ("flag=hardship&action=maybe", "action"),
                       ("flag=hardship&action=set&until=2001-01-01", "until"),
                       ("flag=hardship&action=set&until=soon", "until")):
        answer = post(client, editor, "/console/accounts/acct-1/flags", body)
        assert answer.status_code == 400 and says in answer.body.decode()
        assert "Back to the account" in answer.body.decode()

    assert events(client, tenant, "acct-1") == before


def test_an_editor_resumes_a_held_account(client, aws, tenant):
    put_account(client, tenant, "acct-1")
    hold(aws, tenant, "acct-1")
    editor = signed_in(client, aws, tenant, "editor")
    assert "Resume reminders" in get(client, editor, "/console/accounts/acct-1").body.decode()

    resumed = post(client, editor, "/console/accounts/acct-1/resume", "")

    assert resumed.status_code == 303
    last = events(client, tenant, "acct-1")[-1]
    assert (last["type"], last["actor"], last["details"]["was"]) == ("resumed", f"user:{editor['user_id']}", "refund")
    page = text_of(get(client, editor, "/console/accounts/acct-1?done=resumed").body.decode())
    assert "Resume reminders" not in page and "reminders go on" in page
    assert post(client, editor, "/console/accounts/acct-1/resume", "").status_code == 409  # nothing to resume now


def test_an_id_with_every_character_ids_allow_links_opens_and_takes_a_flag(client, aws, tenant):
    put_account(client, tenant, "Acct.9_x:y@z-1")
    editor = signed_in(client, aws, tenant, "editor")

    assert linked_ids(get(client, editor, "/console/accounts?q=y@Z").body.decode()) == ["Acct.9_x:y@z-1"]
    assert get(client, editor, "/console/accounts/Acct.9_x:y@z-1").status_code == 200
    flagged = post(client, editor, "/console/accounts/Acct.9_x:y@z-1/flags", "flag=hardship&action=set")
    assert flagged.status_code == 303 and flagged.headers["Location"].endswith("/Acct.9_x:y@z-1?done=flag")
    assert get(client, editor, "/console/accounts/bad%20id").status_code == 404


# --- roles, CSRF, tenants apart ----------------------------------------------------------------------------

def test_a_viewers_posts_are_403_and_write_nothing(client, aws, tenant):
    put_account(client, tenant, "acct-1")
    hold(aws, tenant, "acct-1")
    viewer = signed_in(client, aws, tenant, "viewer")
    before = events(client, tenant, "acct-1")

    flag = post(client, viewer, "/console/accounts/acct-1/flags", "flag=hardship&action=set")
    resume = post(client, viewer, "/console/accounts/acct-1/resume", "")

    assert (flag.status_code, resume.status_code) == (403, 403)
    assert events(client, tenant, "acct-1") == before
    assert aws.account_repository.get(tenant["tenant_id"], "acct-1").state == "held"
    page = get(client, viewer, "/console/accounts/acct-1").body.decode()
    assert "Resume reminders" not in page and "An editor can resume" in page


def test_a_post_without_the_csrf_token_is_403_and_writes_nothing(client, aws, tenant):
    put_account(client, tenant, "acct-1")
    hold(aws, tenant, "acct-1")
    editor = signed_in(client, aws, tenant, "editor")
    before = events(client, tenant, "acct-1")

    flag = post(client, editor, "/console/accounts/acct-1/flags", "flag=hardship&action=set", csrf=False)
    resume = post(client, editor, "/console/accounts/acct-1/resume", "csrf=forged")

    assert (flag.status_code, resume.status_code) == (403, 403)
    assert events(client, tenant, "acct-1") == before


def test_another_tenants_account_is_not_found_and_not_changed(client, aws, tenant, other_tenant):
    put_account(client, other_tenant, "acct-b", name="Theirs Only")
    hold(aws, other_tenant, "acct-b")
    editor = signed_in(client, aws, tenant, "editor")
    before = events(client, other_tenant, "acct-b")

    page = get(client, editor, "/console/accounts/acct-b")
    flag = post(client, editor, "/console/accounts/acct-b/flags", "flag=hardship&action=set")
    resume = post(client, editor, "/console/accounts/acct-b/resume", "")
    search = get(client, editor, "/console/accounts?q=Theirs").body.decode()

    assert (page.status_code, flag.status_code, resume.status_code) == (404, 404, 404)
    assert "Theirs Only" not in page.body.decode() and linked_ids(search) == []
    assert events(client, other_tenant, "acct-b") == before


def test_signed_out_the_accounts_pages_ask_to_sign_in(client, aws, tenant):
    put_account(client, tenant, "acct-1")

    for path in ("/console/accounts", "/console/accounts/acct-1"):
        answer = client.http.get(path)
        assert answer.status_code == 401 and "Ana García" not in answer.body.decode()
