"""Plans and promises over the API (API.md "Payment plans and settlement offers") through the Chalice app: quote,
create, a second plan refused, cancel, promise, tenant isolation, strict bodies, and Stripe paying instalments.

Kindly's clock is the real one here, so dates are counted from today and processor events dated in the past."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest

from tests.aws.test_webhooks import get_account, post, set_secret, timeline_types
from tests.support import webhooks as wh
from tests.support.figures import flow_figures
from tests.support.samples import account

FIRST_ON = date.today() + timedelta(days=7)
PLAN = {"frequency": "monthly", "instalments": 3, "first_on": FIRST_ON.isoformat()}  # 4900 EUR owed


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def call(client, method, path, tenant, body=None):
    send = getattr(client.http, method)
    kwargs = {"body": json.dumps(body) if isinstance(body, dict) else body} if body is not None else {}
    return send(path, headers=auth(tenant), **kwargs)


def error_of(response):
    return json.loads(response.body)["error"]


@pytest.fixture
def overdue(client, tenant):
    assert call(client, "put", "/v1/accounts/acct-1", tenant, account()).status_code == 201
    return tenant


def test_a_quote_shows_every_date_and_amount_and_writes_nothing(client, overdue):
    answer = call(client, "post", "/v1/accounts/acct-1/plan/quote", overdue, PLAN)

    assert answer.status_code == 200, answer.body
    quoted = json.loads(answer.body)
    assert (quoted["currency"], quoted["total"]) == ("EUR", 4900)
    assert [(i["n"], i["amount"]) for i in quoted["instalments"]] == [(1, 1634), (2, 1633), (3, 1633)]
    assert quoted["instalments"][0]["due_on"] == FIRST_ON.isoformat()
    assert timeline_types(client, overdue) == ["account_created"]
    assert get_account(client, overdue)["plan"] is None


def test_a_plan_is_created_shown_refused_twice_and_cancelled(client, overdue):
    created = call(client, "put", "/v1/accounts/acct-1/plan", overdue, PLAN)

    assert created.status_code == 201, created.body
    plan = json.loads(created.body)
    assert plan["status"] == "active" and plan["created_by"] == "tenant" and plan["total"] == 4900
    assert [i["status"] for i in plan["instalments"]] == ["due", "due", "due"]
    assert get_account(client, overdue)["plan"] == plan

    again = call(client, "put", "/v1/accounts/acct-1/plan", overdue, PLAN)
    assert again.status_code == 409 and error_of(again)["field"] == "plan"

    cancelled = call(client, "delete", "/v1/accounts/acct-1/plan", overdue)
    assert cancelled.status_code == 200, cancelled.body
    assert json.loads(cancelled.body)["status"] == "cancelled"
    shown = get_account(client, overdue)
    assert shown["plan"]["status"] == "cancelled" and shown["state"] == "active" and shown["next_action_at"]
    assert timeline_types(client, overdue) == ["account_created", "plan_created", "plan_cancelled"]


def test_a_promise_is_recorded_and_a_second_open_one_is_409(client, overdue):
    by = (date.today() + timedelta(days=10)).isoformat()
    made = call(client, "post", "/v1/accounts/acct-1/promise", overdue, {"amount": 2000, "currency": "EUR", "by": by})

    assert made.status_code == 201, made.body
    assert {k: v for k, v in json.loads(made.body).items() if k != "created_at"} == {
        "amount": 2000, "currency": "EUR", "by": by, "paid": 0, "status": "open"}
    assert get_account(client, overdue)["promise"]["status"] == "open"
    again = call(client, "post", "/v1/accounts/acct-1/promise", overdue, {"amount": 100, "currency": "EUR", "by": by})
    assert again.status_code == 409
    assert timeline_types(client, overdue)[-1] == "promise_made"


@pytest.mark.parametrize("flag", ["bankruptcy", "cease_contact"])
def test_no_plan_or_promise_under_a_stopping_flag_and_nothing_written(client, overdue, flag):
    flagged = call(client, "post", "/v1/accounts/acct-1/flags", overdue, {"flag": flag, "active": True})
    assert flagged.status_code == 200, flagged.body
    before = timeline_types(client, overdue)
    by = (date.today() + timedelta(days=10)).isoformat()

    plan = call(client, "put", "/v1/accounts/acct-1/plan", overdue, PLAN)
    promise = call(client, "post", "/v1/accounts/acct-1/promise", overdue,
                   {"amount": 2000, "currency": "EUR", "by": by})

    assert (plan.status_code, promise.status_code) == (409, 409)
    assert error_of(plan)["field"] == error_of(promise)["field"] == "flags"
    assert timeline_types(client, overdue) == before
    assert get_account(client, overdue)["plan"] is None and get_account(client, overdue)["promise"] is None


@pytest.mark.parametrize(("method", "path", "body"), [
    ("post", "/v1/accounts/acct-1/plan/quote", PLAN),
    ("put", "/v1/accounts/acct-1/plan", PLAN),
    ("delete", "/v1/accounts/acct-1/plan", None),
    ("post", "/v1/accounts/acct-1/promise", {"amount": 100, "currency": "EUR", "by": date.today().isoformat()}),
])
def test_another_tenants_account_is_404(client, overdue, other_tenant, method, path, body):
    answer = call(client, method, path, other_tenant, body)

    assert answer.status_code == 404, answer.body
    assert timeline_types(client, overdue) == ["account_created"]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/v1/accounts/acct-1/plan", {**PLAN, "amount": 1}, "amount"),
    ("/v1/accounts/acct-1/plan", {**PLAN, "frequency": "daily"}, "frequency"),
    ("/v1/accounts/acct-1/plan", {**PLAN, "instalments": 9}, "instalments"),  # beyond the policy's 6
    ("/v1/accounts/acct-1/plan", {**PLAN, "first_on": "2020-01-01"}, "first_on"),
    ("/v1/accounts/acct-1/plan/quote", {**PLAN, "currency": "USD"}, "currency"),
    ("/v1/accounts/acct-1/promise", {"amount": 100, "currency": "EUR", "by": "2030-01-01", "note": "x"}, "note"),
])
def test_a_bad_request_is_400_naming_the_field_and_writes_nothing(client, overdue, path, body, field):
    method = "put" if path.endswith("/plan") else "post"
    answer = call(client, method, path, overdue, body)

    assert answer.status_code == 400, answer.body
    assert error_of(answer)["field"] == field
    assert timeline_types(client, overdue) == ["account_created"]
    assert get_account(client, overdue)["plan"] is None


def test_stripe_pays_two_instalments_and_the_metrics_count_the_plan(client, aws, overdue):
    call(client, "put", "/v1/accounts/acct-1/plan", overdue, PLAN)
    set_secret(client, overdue, "stripe", wh.STRIPE_SECRET)
    now = int(time.time())
    # Stripe's amount_paid is cumulative per invoice: the first instalment, then the first two
    for event_id, paid, created in (("evt_i1", 1634, now - 120), ("evt_i2", 3267, now - 60)):
        payload = wh.body(wh.stripe_event("invoice.payment_succeeded", wh.stripe_invoice(paid, status="open"),
                                          event_id, created))
        answer = post(client, overdue["tenant_id"], "stripe", payload, wh.stripe_headers(payload))
        assert answer.status_code == 200, answer.body
        assert json.loads(answer.body)["events"][0]["outcome"] == "applied"

    shown = get_account(client, overdue)
    assert [(i["paid"], i["status"]) for i in shown["plan"]["instalments"]] == [
        (1634, "paid"), (1633, "paid"), (0, "due")]
    assert shown["plan"]["status"] == "active" and shown["balance"] == {"EUR": 1633}
    flow_figures(aws)
    figures = json.loads(client.http.get("/v1/metrics", headers=auth(overdue)).body)
    assert figures["plans"]["started"] == 1 and figures["plans"]["active"] == 1
    assert figures["plans"]["recovered"] == {"EUR": 3267}


def test_stripe_paying_a_standing_offer_settles_for_less_and_a_later_upsert_keeps_it_settled(client, aws, overdue):
    from chalicelib.domain.settlement import SettlementOffer

    stored = aws.account_repository.get(overdue["tenant_id"], "acct-1")
    stored.settlement_offer = SettlementOffer(4410, "EUR", date.today() + timedelta(days=7), 4900)
    aws.account_repository.save(stored)
    set_secret(client, overdue, "stripe", wh.STRIPE_SECRET)

    payload = wh.body(wh.stripe_event("invoice.payment_succeeded", wh.stripe_invoice(4410, status="open"),
                                      "evt_offer", int(time.time()) - 60))
    assert post(client, overdue["tenant_id"], "stripe", payload, wh.stripe_headers(payload)).status_code == 200

    shown = get_account(client, overdue)
    assert shown["state"] == "settled" and shown["balance"] == {"EUR": 0}
    assert timeline_types(client, overdue)[-2:] == ["payment_succeeded", "settled_for_less"]
    # the billing system still says the invoice is open: the settlement stands
    assert call(client, "put", "/v1/accounts/acct-1", overdue, account(name="Ana G.")).status_code == 200
    assert get_account(client, overdue)["state"] == "settled"
    flow_figures(aws)
    figures = json.loads(client.http.get("/v1/metrics", headers=auth(overdue)).body)
    assert figures["recovered"] == {"EUR": 4410} and figures["settled_for_less"] == 1
