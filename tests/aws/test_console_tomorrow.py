"""The console's "Tomorrow's run" page on moto: what the next 24 hours' sweeps will send and hold back, from the
real accounts; the runs the circuit breaker holds, on the overview and this page; and who may approve or discard
them (editors and admins, with the form's CSRF token; a viewer's POST is 403 and changes nothing)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.in_process_sweep import run_sweep
from tests.support.console import FORM, add_user, sign_in
from tests.support.samples import account

pytestmark = pytest.mark.aws

# A Monday, 08:00 in Madrid: the standard policy's window opens at 09:00, so what is due goes out today.
NOW = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def auth(tenant: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def signed_in(client: Any, aws: Any, tenant: dict[str, str], role: str) -> dict[str, str]:
    address = f"{role}@{tenant['tenant_id'].replace('_', '-')}.example.com"
    add_user(aws, tenant["tenant_id"], address, role)
    return sign_in(client, aws, address)


def get(client: Any, session: dict[str, str], path: str) -> Any:
    return client.http.get(path, headers={"Cookie": session["cookie"]})


def post(client: Any, session: dict[str, str], path: str, csrf: bool = True) -> Any:
    return client.http.post(path, headers={**FORM, "Cookie": session["cookie"]},
                            body=f"csrf={session['csrf']}" if csrf else "")


def text_of(body: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body.decode()))


@pytest.fixture
def accounts(client, tenant, app_clock):
    """Two overdue accounts that will be emailed, and one whose debt is disputed."""
    app_clock(NOW)
    for n in (1, 2, 3):
        answer = client.http.put(f"/v1/accounts/acct-{n}", headers=auth(tenant), body=json.dumps(account()))
        assert answer.status_code == 201, answer.body
    flagged = client.http.post("/v1/accounts/acct-3/flags", headers=auth(tenant),
                               body=json.dumps({"flag": "dispute", "active": True}))
    assert flagged.status_code == 200, flagged.body


def held_run(aws: Any, tenant: dict[str, str], kindly: Any) -> dict[str, Any]:
    """The breaker holds the tenant's run (a floor of 1, and two messages due when the window opens at 09:00)."""
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.bootstrap import Container

    assert kindly(["sweep", "limits", "--tenant", tenant["tenant_id"], "--floor", "1"]) == 0
    at = NOW + timedelta(hours=1)
    done = run_sweep(Container(aws.settings, clock=FixedClock(at)), at)
    assert [h["status"] for h in done["sweep_held"]] == ["held"]
    return done["sweep_held"][0]


def holds(aws: Any, tenant: dict[str, str]) -> list[dict[str, Any]]:
    return aws.breaker.held(tenant["tenant_id"])["holds"]


def test_every_viewer_reads_what_the_next_day_will_send_and_hold_back_and_why(client, aws, tenant, accounts,
                                                                             other_tenant):
    viewer = signed_in(client, aws, tenant, "viewer")

    page = get(client, viewer, "/console/tomorrow")

    assert page.status_code == 200, page.body
    text = text_of(page.body)
    assert "2 emails; 1 held back (1: the debt is disputed)" in text
    will_send = page.body.decode().split("Will be held back")[0]
    sent_rows = re.findall(r"<tr><td>([^<]+)</td><td><a [^>]+>(acct-\d)</a></td><td>(\w+)</td>", will_send)
    assert [(account_id, channel) for _, account_id, channel in sent_rows] == [("acct-1", "email"),
                                                                              ("acct-2", "email")]
    assert all("(UTC+01:00)" in when for when, _, _ in sent_rows)  # the debtor's local time, Madrid in winter
    assert "Not sent: the debt is disputed" in text and "acct-3" in text
    assert '<a href="../console/tomorrow" aria-current="page">Tomorrow&#39;s run</a>' in page.body.decode()
    assert "Approve the held run" not in text  # nothing is held
    assert "Ana" not in text  # the forecast names accounts by id
    other = signed_in(client, aws, other_tenant, "admin")
    assert "acct-1" not in text_of(get(client, other, "/console/tomorrow").body)  # another tenant's accounts


def test_signed_out_the_page_is_the_sign_in_form(client, aws, tenant):
    assert client.http.get("/console/tomorrow").status_code == 401


def test_a_held_run_is_told_on_the_overview_and_on_the_page_with_what_it_would_send(client, aws, tenant, accounts,
                                                                                   kindly):
    held = held_run(aws, tenant, kindly)
    viewer = signed_in(client, aws, tenant, "viewer")

    overview = text_of(get(client, viewer, "/console").body)
    tomorrow = text_of(get(client, viewer, "/console/tomorrow").body)

    said = f"{held['messages']} messages to {held['accounts']} accounts"
    assert f"A sweep is held: {said}" in overview
    assert said in tomorrow and "waiting for a person" in tomorrow
    assert "A run is held now" in tomorrow
    assert "An editor or admin can approve or discard the held run." in tomorrow
    assert "Approve the held run" not in tomorrow


def test_a_viewers_approval_is_403_and_the_run_stays_held(client, aws, tenant, accounts, kindly):
    held_run(aws, tenant, kindly)
    viewer = signed_in(client, aws, tenant, "viewer")

    assert post(client, viewer, "/console/tomorrow/approve").status_code == 403
    assert post(client, viewer, "/console/tomorrow/discard").status_code == 403
    assert [h["status"] for h in holds(aws, tenant)] == ["held"]


def test_an_editor_approves_with_the_forms_token_and_the_hold_names_them(client, aws, tenant, accounts, kindly):
    held_run(aws, tenant, kindly)
    editor = signed_in(client, aws, tenant, "editor")
    (person,) = aws.console_people.of_tenant(tenant["tenant_id"])

    assert post(client, editor, "/console/tomorrow/approve", csrf=False).status_code == 403
    assert [h["status"] for h in holds(aws, tenant)] == ["held"]
    page = get(client, editor, "/console/tomorrow")
    assert "Approve the held run" in text_of(page.body)

    approved = post(client, editor, "/console/tomorrow/approve")

    assert approved.status_code == 303 and approved.headers["Location"].endswith("console/tomorrow?done=approved")
    [hold] = holds(aws, tenant)
    assert hold["status"] == "approved" and hold["history"][-1]["actor"] == f"user:{person.user_id}"
    assert "approved: the next sweep sends it" in text_of(get(client, editor, "/console/tomorrow?done=approved").body)
    assert post(client, editor, "/console/tomorrow/discard").status_code == 404  # nothing is held any more


def test_an_admin_discards_a_held_run(client, aws, tenant, accounts, kindly):
    held_run(aws, tenant, kindly)
    admin = signed_in(client, aws, tenant, "admin")

    assert post(client, admin, "/console/tomorrow/discard").status_code == 303

    [hold] = holds(aws, tenant)
    assert hold["status"] == "discarded" and hold["history"][-1]["actor"].startswith("user:usr_")
    assert "A sweep is held" not in text_of(get(client, admin, "/console").body)
