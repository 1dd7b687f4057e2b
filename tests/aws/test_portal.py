"""The debtor's self-service page: reached by the signed link from a reminder, in the debtor's language, with
the balance and how to pay, and the debtor's own choices (pause, dispute, preferences) — each audited."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from tests.aws.test_first_reminder import auth
from tests.support.samples import account, assert_finance_event

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def debtor(client, aws, tenant):
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    url = aws.links.portal_url(tenant["tenant_id"], "acct-1", datetime.now(UTC))
    return {"tenant": tenant, "path": url.removeprefix(aws.settings.public_base_url)}


def get_account(client, tenant):
    return json.loads(client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body)


def test_the_page_shows_what_is_owed_in_the_debtors_language(client, debtor):
    answer = client.http.get(debtor["path"])
    assert answer.status_code == 200
    html = answer.body.decode()
    assert answer.headers["Content-Language"] == "es"
    assert "Su cuenta con Acme Ltd" in html
    assert "49,00\xa0€" in html and "15 de noviembre de 2026" in html
    assert 'href="https://pay.example/1001"' in html
    assert "Necesito una pausa" in html and "Creo que no debo esto" in html
    assert "clientebancario.bde.es" in html  # free debt advice for Spain
    assert "no-store" in answer.headers["Cache-Control"]
    assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/p/not-a-token", "/p/" + "A" * 60])
def test_a_bad_link_gets_a_kind_page_and_no_data(client, debtor, path):
    answer = client.http.get(path, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert answer.status_code == 401
    assert answer.headers["Content-Language"] == "fr"
    assert "49,00" not in answer.body.decode()


@pytest.mark.parametrize("junk", ["!!!!", "....", "=="])
def test_a_real_link_with_junk_appended_is_refused_everywhere(client, aws, debtor, junk):
    # Given links that work as sent
    unsubscribe = aws.links.unsubscribe_url(debtor["tenant"]["tenant_id"], "acct-1", datetime.now(UTC))
    unsubscribe_path = unsubscribe.removeprefix(aws.settings.public_base_url)
    assert client.http.get(debtor["path"]).status_code == 200
    assert client.http.get(unsubscribe_path).status_code == 200
    before = get_account(client, debtor["tenant"])

    # When characters a lenient decoder would skip are appended, every page and action refuses them
    assert client.http.get(debtor["path"] + junk).status_code == 401
    assert client.http.post(debtor["path"] + junk + "/pause", headers=FORM, body="").status_code == 401
    assert client.http.get(unsubscribe_path + junk).status_code == 401
    one_click = client.http.post(unsubscribe_path + junk, headers=FORM, body="List-Unsubscribe=One-Click")
    assert one_click.status_code == 401

    # And nothing changed
    assert get_account(client, debtor["tenant"]) == before


def test_an_unsubscribe_link_does_not_open_the_page(client, aws, debtor):
    unsubscribe = aws.links.unsubscribe_url(debtor["tenant"]["tenant_id"], "acct-1", datetime.now(UTC))
    token = unsubscribe.rsplit("/", 1)[1]
    assert client.http.get(f"/p/{token}").status_code == 401


def test_a_dispute_pauses_reminders_tells_finance_and_is_audited_as_the_debtors(client, aws, debtor):
    from tests.aws.test_webhooks import _received, _subscribe_to_finance

    finance = _subscribe_to_finance(aws)
    answer = client.http.post(debtor["path"] + "/dispute", headers=FORM,
                              body=urlencode({"note": "I paid this by bank transfer on 14 Nov"}))
    assert answer.status_code == 303
    assert answer.headers["Location"].endswith("?done=dispute")

    stored = get_account(client, debtor["tenant"])
    assert stored["flags"]["dispute"]["active"] is True
    assert stored["flags"]["dispute"]["set_by"] == "debtor:portal"
    assert stored["state"] == "paused"
    [notice] = _received(aws, finance)
    assert_finance_event(notice, "dispute_opened")
    timeline = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(debtor["tenant"])).body)
    last = timeline["events"][-1]
    assert (last["type"], last["actor"]) == ("flag_set", "debtor:portal")
    assert "bank transfer" not in json.dumps(last)  # the note is kept on the flag, not copied into the trail

    page = client.http.get(debtor["path"] + "?done=dispute").body.decode()
    assert "una persona lo revisará" in page and "Creo que no debo esto" not in page
    again = client.http.post(debtor["path"] + "/dispute", headers=FORM, body="note=")
    assert again.status_code == 303
    assert len(json.loads(client.http.get("/v1/accounts/acct-1/timeline",
                                          headers=auth(debtor["tenant"])).body)["events"]) == len(timeline["events"])


def test_a_pause_lasts_the_policys_days_and_only_once_a_year(client, aws, debtor):
    assert client.http.post(debtor["path"] + "/pause", headers=FORM, body="").status_code == 303
    stored = get_account(client, debtor["tenant"])
    hardship = stored["flags"]["hardship"]
    assert hardship["active"] and hardship["set_by"] == "debtor:portal"
    assert (datetime.fromisoformat(hardship["until"]).date() - datetime.now(UTC).date()).days == 30
    assert stored["state"] == "paused"

    # When finance lifts the pause early, the debtor cannot take another one from the page this year
    lifted = client.http.post("/v1/accounts/acct-1/flags", headers=auth(debtor["tenant"]),
                              body=json.dumps({"flag": "hardship", "active": False}))
    assert lifted.status_code == 200
    page = client.http.get(debtor["path"]).body.decode()
    assert "Necesito una pausa" not in page
    refused = client.http.post(debtor["path"] + "/pause", headers=FORM, body="")
    assert refused.status_code == 409
    assert "No ha funcionado: ahora mismo no se puede pedir una pausa" in refused.body.decode()


def test_preferences_change_language_and_channels(client, debtor):
    answer = client.http.post(debtor["path"] + "/preferences", headers=FORM,
                              body=urlencode({"language": "fr", "sms": "on"}))
    assert answer.status_code == 303
    stored = get_account(client, debtor["tenant"])
    assert stored["contact"] == {"email_suppressed": "unsubscribed", "sms_opted_out": False, "preferred_locale": "fr",
                                 "preferred_hours": None}
    page = client.http.get(debtor["path"])
    assert page.headers["Content-Language"] == "fr" and "Votre compte chez Acme Ltd" in page.body.decode()
    assert "49,00\xa0€" in page.body.decode()  # amounts stay in the account's own format

    # The billing system's next upsert keeps the debtor's choices
    client.http.put("/v1/accounts/acct-1", headers=auth(debtor["tenant"]),
                    body=json.dumps(account(tags=["vip"])))
    assert get_account(client, debtor["tenant"])["contact"]["preferred_locale"] == "fr"

    back = client.http.post(debtor["path"] + "/preferences", headers=FORM,
                            body=urlencode({"language": "es", "email": "on", "sms": "on"}))
    assert back.status_code == 303
    assert get_account(client, debtor["tenant"])["contact"] == {
        "email_suppressed": None, "sms_opted_out": False, "preferred_locale": None, "preferred_hours": None}


@pytest.mark.parametrize("body, says", [
    ({"language": "klingon"}, "elija uno de los idiomas"),
    ({"language": "es", "hours_from": "18:00", "hours_until": "10:00"}, "hora de inicio anterior"),
    ({"language": "es", "hours_from": "03:00", "hours_until": "05:00"}, "hora de inicio anterior"),
    ({"note": "x" * 1001}, "no pase de 1000 caracteres"),
])
def test_bad_form_input_is_refused_and_changes_nothing(client, debtor, body, says):
    before = get_account(client, debtor["tenant"])
    action = "/preferences" if "language" in body else "/dispute"
    answer = client.http.post(debtor["path"] + action, headers=FORM, body=urlencode(body))
    assert answer.status_code == 400
    assert "No ha funcionado" in answer.body.decode() and says in answer.body.decode()
    assert get_account(client, debtor["tenant"]) == before


def test_the_page_escapes_what_the_billing_system_sent(client, aws, tenant):
    body = account(name="<script>alert(1)</script>")
    client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(body))
    url = aws.links.portal_url(tenant["tenant_id"], "acct-1", datetime.now(UTC))
    html = client.http.get(url.removeprefix(aws.settings.public_base_url)).body.decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert not re.search(r"<script", html)


def test_preferred_hours_move_the_next_reminder_into_them(client, aws, debtor):
    from tests.aws.test_first_reminder import sweep

    page = client.http.get(debtor["path"]).body.decode()
    assert '<option value="09:00">' in page and '<option value="19:00"' in page  # the standard policy's window
    answer = client.http.post(debtor["path"] + "/preferences", headers=FORM,
                              body=urlencode({"language": "es", "email": "on", "sms": "on",
                                              "hours_from": "17:00", "hours_until": "19:00"}))
    assert answer.status_code == 303
    assert get_account(client, debtor["tenant"])["contact"]["preferred_hours"] == ["17:00", "19:00"]

    # At 10:00 in Madrid the reminder waits for the debtor's 17:00, then goes out
    morning = sweep(aws, "2026-12-01T09:00:00Z")
    assert morning["sent"] == 0 and morning["deferred"] == 1
    timeline = json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(debtor["tenant"])).body)
    deferral = timeline["events"][-1]["details"]
    assert deferral["rule"] == "outside_preferred_hours" and deferral["local_until"].startswith("2026-12-01T17:00")
    assert sweep(aws, "2026-12-01T16:00:00Z")["sent"] == 1


def test_an_oversized_form_gets_the_page_back_not_an_error_dump(client, debtor):
    before = get_account(client, debtor["tenant"])
    answer = client.http.post(debtor["path"] + "/dispute", headers=FORM, body="note=" + "x" * 300_000)
    assert answer.status_code == 400
    assert "inténtelo de nuevo" in answer.body.decode()
    assert get_account(client, debtor["tenant"]) == before
