"""A dispute that names one invoice (API.md: `invoice_id` with `dispute`), through the Chalice app and the
worker: that invoice is held and left out of reminders, amounts and plans while the others go on; bad input
changes nothing; the debtor can dispute one invoice from their page."""

from __future__ import annotations

import email
import json
from datetime import UTC, date, datetime, timedelta
from email import policy as email_policy
from urllib.parse import urlencode

import pytest

from tests.aws.conftest import sent_emails
from tests.aws.test_first_reminder import sweep
from tests.aws.test_webhooks import _received, _subscribe_to_finance
from tests.support.samples import ACCOUNT, account

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
OLDER = {"id": "INV-1002", "amount": 12000, "currency": "EUR", "issued_on": "2026-10-01", "due_on": "2026-10-15",
         "payment_url": "https://pay.example/1002"}
TWO_INVOICES = account(invoices=[*ACCOUNT["invoices"], OLDER])  # 49.00 due 15 Nov and 120.00 due 15 Oct


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def flag(client, tenant, body, account_id="acct-1"):
    return client.http.post(f"/v1/accounts/{account_id}/flags", headers=auth(tenant), body=json.dumps(body))


def get_account(client, tenant):
    return json.loads(client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body)


def timeline(client, tenant):
    return json.loads(client.http.get("/v1/accounts/acct-1/timeline", headers=auth(tenant)).body)["events"]


@pytest.fixture
def two_invoices(client, tenant):
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant),
                           body=json.dumps(TWO_INVOICES)).status_code == 201
    return tenant


def disputed_flags(stored):
    return {inv["id"]: inv["disputed"] for inv in stored["invoices"]}


def test_a_dispute_of_one_invoice_holds_it_alone_tells_finance_and_lifting_it_brings_it_back(client, aws,
                                                                                              two_invoices):
    finance = _subscribe_to_finance(aws)
    answer = flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1002",
                                         "note": "cancelled in September"})
    assert answer.status_code == 200, answer.body
    stored = json.loads(answer.body)
    assert disputed_flags(stored) == {"INV-1001": False, "INV-1002": True}
    assert stored["invoices"][1]["amount"] == 12000 and stored["invoices"][1]["status"] == "open"  # fields kept
    assert stored["flags"] == {} and stored["state"] == "active"  # the other invoice goes on
    assert stored["balance"] == {"EUR": 16900}  # what the billing system says is still owed
    assert get_account(client, two_invoices) == stored

    opened = timeline(client, two_invoices)[-1]
    assert (opened["type"], opened["details"]["invoice_id"]) == ("dispute_opened", "INV-1002")
    assert "September" not in json.dumps(opened)  # the note stays on the dispute, out of the trail
    [event] = _received(aws, finance)
    assert (event["type"], event["invoice_id"], event["account_id"]) == ("dispute_opened", "INV-1002", "acct-1")

    # A repeat changes nothing; lifting it is audited and the invoice rejoins
    assert flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1002"}).status_code == 200
    assert len(timeline(client, two_invoices)) == opened["seq"]  # seq counts from 1
    lifted = json.loads(flag(client, two_invoices, {"flag": "dispute", "active": False,
                                                    "invoice_id": "INV-1002"}).body)
    assert disputed_flags(lifted) == {"INV-1001": False, "INV-1002": False}
    resolved = timeline(client, two_invoices)[-1]
    assert (resolved["type"], resolved["details"]["invoice_id"]) == ("dispute_resolved", "INV-1002")
    assert resolved["actor"].startswith("api_key:")


@pytest.mark.parametrize("body, status, field", [
    ({"flag": "dispute", "active": True, "invoice_id": "INV-9999"}, 404, "invoice_id"),
    ({"flag": "hardship", "active": True, "invoice_id": "INV-1002"}, 400, "invoice_id"),
    ({"flag": "dispute", "active": True, "invoice_id": "INV-1002", "until": "2027-01-01"}, 400, "until"),
    ({"flag": "dispute", "active": True, "invoice_id": "not an id!"}, 400, "invoice_id"),
    ({"flag": "dispute", "active": True, "invoice_id": "INV-1003"}, 409, "invoice_id"),  # already paid
])
def test_bad_input_gets_a_clear_error_and_changes_nothing(client, aws, tenant, body, status, field):
    paid = {**OLDER, "id": "INV-1003", "status": "paid"}
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant),
                           body=json.dumps(account(invoices=[*TWO_INVOICES["invoices"], paid]))).status_code == 201
    finance = _subscribe_to_finance(aws)
    before, events = get_account(client, tenant), timeline(client, tenant)

    answer = flag(client, tenant, body)

    assert answer.status_code == status, answer.body
    error = json.loads(answer.body)["error"]
    assert error["field"] == field and error["message"]
    assert get_account(client, tenant) == before and timeline(client, tenant) == events
    assert _received(aws, finance) == []


def test_the_worker_quotes_only_the_undisputed_invoice(client, aws, two_invoices):
    flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1002"})

    summary = sweep(aws, "2026-12-01T09:00:00Z")  # 10:00 in Madrid

    assert summary["sent"] == 1
    [message] = sent_emails()
    raw = message.raw_data.encode() if isinstance(message.raw_data, str) else message.raw_data
    text = email.message_from_bytes(raw, policy=email_policy.default).get_body(preferencelist=("plain",))
    content = text.get_content()
    assert "49,00\xa0€" in content
    assert "120,00" not in content and "169,00" not in content and "INV-1002" not in content
    assert "https://pay.example/1002" not in content
    sent = timeline(client, two_invoices)[-1]
    assert sent["type"] == "message_sent" and sent["details"]["cycle"].startswith("INV-1001@")


def test_disputing_every_open_invoice_withholds_like_an_account_wide_dispute(client, aws, two_invoices):
    flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1002"})
    both = json.loads(flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1001"}).body)
    assert both["state"] == "paused"

    summary = sweep(aws, "2026-12-01T09:00:00Z")

    assert summary["sent"] == 0 and summary["withheld"] == {"dispute_open": 1}
    assert sent_emails() == []
    # Lifting one brings reminders back, for that invoice alone
    flag(client, two_invoices, {"flag": "dispute", "active": False, "invoice_id": "INV-1001"})
    assert sweep(aws, "2026-12-01T10:00:00Z")["sent"] == 1


def test_a_plan_is_quoted_on_the_undisputed_invoice_and_refused_when_all_is_disputed(client, two_invoices):
    plan = {"frequency": "monthly", "instalments": 2, "first_on": (date.today() + timedelta(days=7)).isoformat()}
    flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1002"})
    quoted = client.http.post("/v1/accounts/acct-1/plan/quote", headers=auth(two_invoices), body=json.dumps(plan))
    assert quoted.status_code == 200, quoted.body
    assert json.loads(quoted.body)["total"] == 4900
    assert sum(i["amount"] for i in json.loads(quoted.body)["instalments"]) == 4900

    flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1001"})
    refused = client.http.put("/v1/accounts/acct-1/plan", headers=auth(two_invoices), body=json.dumps(plan))
    assert refused.status_code == 409
    assert get_account(client, two_invoices)["plan"] is None


@pytest.fixture
def page(client, aws, two_invoices):
    url = aws.links.portal_url(two_invoices["tenant_id"], "acct-1", datetime.now(UTC))
    return url.removeprefix(aws.settings.public_base_url)


def test_the_debtor_disputes_one_invoice_from_the_page(client, aws, two_invoices, page):
    form = client.http.get(page).body.decode()
    assert 'name="invoice" value="all" checked' in form and 'value="INV-1002"' in form and 'value="INV-1001"' in form
    finance = _subscribe_to_finance(aws)

    answer = client.http.post(page + "/dispute", headers=FORM,
                              body=urlencode({"invoice": "INV-1002", "note": "Lo cancelé en septiembre"}))

    assert answer.status_code == 303 and answer.headers["Location"].endswith("?done=dispute")
    stored = get_account(client, two_invoices)
    assert disputed_flags(stored) == {"INV-1001": False, "INV-1002": True} and stored["flags"] == {}
    last = timeline(client, two_invoices)[-1]
    assert (last["type"], last["actor"], last["details"]["invoice_id"]) == ("dispute_opened", "debtor:portal",
                                                                           "INV-1002")
    [event] = _received(aws, finance)
    assert (event["type"], event["invoice_id"]) == ("dispute_opened", "INV-1002")

    shown = client.http.get(page + "?done=dispute").body.decode()
    assert "una persona lo revisará" in shown
    assert "En reclamación, en espera" in shown
    assert 'href="https://pay.example/1002"' not in shown and 'href="https://pay.example/1001"' in shown
    assert "49,00\xa0€" in shown and "169,00" not in shown
    assert 'value="INV-1002"' not in shown  # already disputed: no longer offered

    # A second click changes nothing
    events = timeline(client, two_invoices)
    assert client.http.post(page + "/dispute", headers=FORM, body=urlencode({"invoice": "INV-1002"})).status_code == 303
    assert timeline(client, two_invoices) == events


def test_a_tampered_invoice_choice_is_refused_kindly_and_changes_nothing(client, two_invoices, page):
    before, events = get_account(client, two_invoices), timeline(client, two_invoices)

    answer = client.http.post(page + "/dispute", headers=FORM, body=urlencode({"invoice": "INV-9999"}))

    assert answer.status_code == 400
    assert "elija una de las facturas de la lista" in answer.body.decode()
    assert get_account(client, two_invoices) == before and timeline(client, two_invoices) == events


def test_all_of_it_from_the_page_is_the_account_wide_dispute(client, two_invoices, page):
    answer = client.http.post(page + "/dispute", headers=FORM, body=urlencode({"invoice": "all"}))
    assert answer.status_code == 303
    stored = get_account(client, two_invoices)
    assert stored["flags"]["dispute"]["active"] is True and not any(disputed_flags(stored).values())


@pytest.mark.parametrize("language, words", [
    ("en", "In dispute, on hold"), ("fr", "Contestée, en attente"), ("de", "Bestritten, angehalten"),
])
def test_the_page_shows_the_disputed_invoice_on_hold_in_every_language(client, aws, two_invoices, page, language,
                                                                        words):
    flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1002"})
    assert client.http.post(page + "/preferences", headers=FORM,
                            body=urlencode({"language": language, "email": "on"})).status_code == 303
    assert words in client.http.get(page).body.decode()


def test_a_payment_of_the_disputed_invoice_is_still_recorded_and_a_later_upsert_keeps_the_dispute(client,
                                                                                                   two_invoices):
    import time

    from tests.aws.test_webhooks import post, set_secret
    from tests.support import webhooks as wh

    flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1001"})
    set_secret(client, two_invoices, "stripe", wh.STRIPE_SECRET)
    # Stripe reports INV-1001 (its in_1Abc) paid: the debtor paid it anyway
    payload = wh.body(wh.stripe_event("invoice.paid", wh.stripe_invoice(), "evt_paid", int(time.time()) - 60))
    answer = post(client, two_invoices["tenant_id"], "stripe", payload, wh.stripe_headers(payload))
    assert json.loads(answer.body)["events"][0]["outcome"] == "applied"

    stored = get_account(client, two_invoices)
    assert [(inv["id"], inv["amount_paid"]) for inv in stored["invoices"]] == [("INV-1001", 4900), ("INV-1002", 0)]
    assert stored["balance"] == {"EUR": 12000} and stored["state"] != "settled"

    renamed = client.http.put("/v1/accounts/acct-1", headers=auth(two_invoices),
                              body=json.dumps({**TWO_INVOICES, "name": "Ana García López"}))
    assert renamed.status_code == 200
    assert disputed_flags(json.loads(renamed.body)) == {"INV-1001": True, "INV-1002": False}


def test_the_preview_follows_the_undisputed_invoice_alone(client, two_invoices):
    def first_messages():
        answer = client.http.post("/v1/policies/standard/preview", headers=auth(two_invoices), body=json.dumps(
            {"account_id": "acct-1", "days": 30, "start": "2026-11-10T00:00:00Z"}))
        assert answer.status_code == 200, answer.body
        return json.loads(answer.body)["messages"][:2]

    # Both owed: the 15 October invoice anchors the cycle, already 26 days overdue on 10 November
    assert first_messages()[0]["template"] != "heads_up"
    flag(client, two_invoices, {"flag": "dispute", "active": True, "invoice_id": "INV-1002"})
    # Disputed: the 15 November invoice's own schedule, from its heads-up three days before
    assert [(m["template"], m["at"]) for m in first_messages()] == [
        ("heads_up", "2026-11-12T08:00:00Z"), ("gentle_reminder", "2026-11-16T08:00:00Z")]
