"""The debtor's page makes a plan (quote, then confirm exactly what was quoted), accepts a settlement offer and
records a promise to pay, each through the form a browser sends; refusals are kind and write nothing."""

from __future__ import annotations

import html as html_lib
import json
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.settlement import SettlementOffer
from tests.aws.test_first_reminder import auth
from tests.support.samples import account

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def madrid_today() -> date:
    return datetime.now(ZoneInfo("Europe/Madrid")).date()


@pytest.fixture
def debtor(client, aws, tenant):
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    url = aws.links.portal_url(tenant["tenant_id"], "acct-1", datetime.now(UTC))
    return {"tenant": tenant, "path": url.removeprefix(aws.settings.public_base_url)}


def stored(client, tenant):
    """The account as finance sees it, and its timeline: what a refused form must leave untouched."""
    body = json.loads(client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body)
    body.pop("updated_at", None)
    return body


def post(client, path, fields):
    return client.http.post(path, headers=FORM, body=urlencode(fields))


def hidden_fields(page: str) -> dict[str, str]:
    return {name: html_lib.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page)}


def quote(client, debtor, count=3, first_on=None):
    first_on = first_on or madrid_today() + timedelta(days=2)
    answer = post(client, debtor["path"] + "/plan",
                  {"frequency": "monthly", "instalments": str(count), "first_on": first_on.isoformat()})
    assert answer.status_code == 200, answer.body.decode()
    return answer.body.decode()


def test_a_quote_shows_every_date_and_amount_and_writes_nothing(client, debtor):
    before = stored(client, debtor["tenant"])
    first = madrid_today() + timedelta(days=2)

    page = quote(client, debtor, first_on=first)

    assert "Su plan, antes de aceptar" in page
    assert page.count("16,34\xa0€") == 1 and page.count("16,33\xa0€") == 2  # 49.00 in three, the cent first
    assert hidden_fields(page)["terms"].startswith(f"EUR:4900:{first.isoformat()}=1634,")
    assert stored(client, debtor["tenant"]) == before


def test_confirming_the_quote_creates_one_plan_for_the_debtor_and_a_replay_creates_no_second(client, debtor):
    fields = hidden_fields(quote(client, debtor))

    answer = post(client, debtor["path"] + "/plan/confirm", fields)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("?done=plan")
    after_first = stored(client, debtor["tenant"])
    plan = after_first["plan"]
    assert plan["status"] == "active" and plan["created_by"] == "debtor"
    assert [i["amount"] for i in plan["instalments"]] == [1634, 1633, 1633]

    again = post(client, debtor["path"] + "/plan/confirm", fields)
    assert again.status_code == 303
    assert stored(client, debtor["tenant"]) == after_first  # no second plan, no second audit event

    page = client.http.get(debtor["path"]).body.decode()
    assert "Su plan de pagos" in page and "Próximo pago: 16,34\xa0€" in page
    assert 'id="what-now"' in page and "No habrá recordatorios mientras siga su plan" in page
    assert page.count('href="https://pay.example/1001"') == 1  # the instalment's link, not the whole invoice's too


@pytest.mark.parametrize("edit", [
    lambda terms: terms.replace("=1634", "=1", 1),  # an amount lowered in the browser
    lambda terms: re.sub(r"(\d{4}-\d{2}-)(\d{2})=", lambda m: f"{m[1]}{int(m[2]) % 28 + 1:02d}=", terms, count=1),
])
def test_a_tampered_confirmation_is_refused_kindly_and_writes_nothing(client, debtor, edit):
    fields = hidden_fields(quote(client, debtor))
    before = stored(client, debtor["tenant"])

    answer = post(client, debtor["path"] + "/plan/confirm", {**fields, "terms": edit(fields["terms"])})

    assert answer.status_code == 400
    assert "las fechas o importes cambiaron" in answer.body.decode()  # in the debtor's language
    assert stored(client, debtor["tenant"]) == before


def test_a_plan_outside_the_policy_is_refused_in_the_debtors_language(client, debtor):
    before = stored(client, debtor["tenant"])
    answer = post(client, debtor["path"] + "/plan", {"frequency": "monthly", "instalments": "5",
                                                     "first_on": madrid_today().isoformat()})
    assert answer.status_code == 400  # 49.00 in five is under the policy's 10.00 a payment
    assert "ese número de pagos no es posible" in answer.body.decode()
    past = post(client, debtor["path"] + "/plan", {"frequency": "monthly", "instalments": "2",
                                                   "first_on": (madrid_today() - timedelta(days=3)).isoformat()})
    assert past.status_code == 400 and "elija una primera fecha" in past.body.decode()
    assert stored(client, debtor["tenant"]) == before


def test_a_standing_offer_is_shown_and_accepted(client, aws, debtor):
    saved = aws.account_repository.get(debtor["tenant"]["tenant_id"], "acct-1")
    valid_until = madrid_today() + timedelta(days=7)
    saved.settlement_offer = SettlementOffer(4410, "EUR", valid_until, 4900)
    aws.account_repository.save(saved)

    page = client.http.get(debtor["path"]).body.decode()
    assert "Pague 44,10\xa0€ antes del" in page

    answer = post(client, debtor["path"] + "/settle", {})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("?done=settle")
    offer = stored(client, debtor["tenant"])["settlement_offer"]
    assert offer["accepted_at"] is not None and offer["amount"] == 4410
    assert "Ha aceptado: pague 44,10\xa0€" in client.http.get(debtor["path"]).body.decode()


def test_settling_without_an_offer_changes_nothing(client, debtor):
    before = stored(client, debtor["tenant"])
    answer = post(client, debtor["path"] + "/settle", {})
    assert answer.status_code in (400, 404, 409)
    assert stored(client, debtor["tenant"]) == before


def test_a_promise_is_recorded_within_the_policy_and_shown(client, debtor):
    by = madrid_today() + timedelta(days=5)

    answer = post(client, debtor["path"] + "/promise", {"amount": "49,00", "by": by.isoformat()})

    assert answer.status_code == 303 and answer.headers["Location"].endswith("?done=promise")
    promise = stored(client, debtor["tenant"])["promise"]
    assert (promise["amount"], promise["currency"], promise["by"], promise["status"]) == (4900, "EUR",
                                                                                         by.isoformat(), "open")
    page = client.http.get(debtor["path"]).body.decode()
    assert "Dijo que pagaría 49,00\xa0€" in page and "dijo que pagaría antes del" in page


@pytest.mark.parametrize(("fields", "words"), [
    ({"amount": "490", "by": "+5"}, "escriba como número un importe que deba"),  # more than is owed
    ({"amount": "abc", "by": "+5"}, "escriba como número"),
    ({"amount": "10,001", "by": "+5"}, "escriba como número"),  # a tenth of a cent
    ({"amount": "10", "by": "+400"}, "elija una fecha a partir de hoy"),  # beyond promise.max_days
])
def test_a_promise_outside_the_limits_is_refused_and_writes_nothing(client, debtor, fields, words):
    before = stored(client, debtor["tenant"])
    by = (madrid_today() + timedelta(days=int(fields["by"]))).isoformat()
    answer = post(client, debtor["path"] + "/promise", {**fields, "by": by})
    assert answer.status_code == 400
    assert words in answer.body.decode()
    assert stored(client, debtor["tenant"]) == before


def test_another_tenants_token_is_refused(client, aws, debtor, other_tenant):
    before = stored(client, debtor["tenant"])
    foreign = aws.links.portal_url(other_tenant["tenant_id"], "acct-1", datetime.now(UTC))
    path = foreign.removeprefix(aws.settings.public_base_url)
    fields = hidden_fields(quote(client, debtor))
    for action, body in (("/plan", fields), ("/plan/confirm", fields), ("/settle", {}),
                         ("/promise", {"amount": "10", "by": madrid_today().isoformat()})):
        assert post(client, path + action, body).status_code == 401
    assert stored(client, debtor["tenant"]) == before


def test_a_tenant_created_with_its_brand_is_shown_on_the_page_within_the_csp(client, aws, capsys):
    from chalicelib.cli.parser import build_parser

    args = build_parser().parse_args([
        "tenant", "create", "--name", "Acme Ltd", "--sender-email", "billing@acme.example.com", "--country", "ES",
        "--timezone", "Europe/Madrid", "--locale", "es-ES", "--display-name", "Acme Books",
        "--logo-url", "https://cdn.acme.example/logo.png", "--accent-color", "#0F766E",
        "--support-email", "ayuda@acme.example.com"])
    assert args.func(args) == 0
    created = json.loads(capsys.readouterr().out)
    tenant = {"tenant_id": created["tenant_id"], "api_key": created["api_key"]}
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    path = aws.links.portal_url(tenant["tenant_id"], "acct-1", datetime.now(UTC)).removeprefix(
        aws.settings.public_base_url)

    answer = client.http.get(path)
    page = answer.body.decode()
    csp = answer.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)[1]
    assert "img-src 'self' data: https://cdn.acme.example;" in csp and "unsafe-inline" not in csp
    assert f'<style nonce="{nonce}">' in page and " style=" not in page  # no inline style the CSP would block
    assert '<img src="https://cdn.acme.example/logo.png" alt="Acme Books">' in page
    assert "background:#0f766e" in page
    assert "¿Es una estafa?" in page and "Acme Books (Acme Ltd)" in page and "ayuda@acme.example.com" in page
    assert nonce != re.search(r"'nonce-([^']+)'", client.http.get(path).headers["Content-Security-Policy"])[1]


def test_a_tenant_with_a_light_accent_or_a_plain_http_logo_is_not_created(aws, capsys):
    from chalicelib.cli.parser import build_parser
    from chalicelib.domain.errors import InvalidInput

    for extra in (["--accent-color", "#fbbf24"], ["--logo-url", "http://cdn.acme.example/logo.png"]):
        args = build_parser().parse_args(["tenant", "create", "--name", "Acme", "--sender-email",
                                          "billing@acme.example.com", *extra])
        with pytest.raises(InvalidInput) as refused:
            args.func(args)
        assert refused.value.field == extra[0].removeprefix("--").replace("-", "_")


def test_every_form_and_redirect_resolves_back_to_the_page_from_where_it_is_answered(client, debtor):
    from urllib.parse import urljoin

    base = "https://pay.example" + debtor["path"]
    token = debtor["path"].rsplit("/", 1)[1]
    quote_url = base + "/plan"
    actions = re.findall(r'<form method="post" action="([^"]+)"', quote(client, debtor))
    assert {urljoin(quote_url, action) for action in actions} >= {base + "/plan/confirm", base + "/promise"}
    refused_at = base + "/plan/confirm"
    refused = post(client, debtor["path"] + "/plan/confirm", {"frequency": "monthly", "instalments": "2",
                                                              "first_on": "x"}).body.decode()
    assert urljoin(refused_at, re.findall(r'action="([^"]+)"', refused)[0]).startswith(base + "/")
    done = post(client, debtor["path"] + "/plan/confirm", hidden_fields(quote(client, debtor)))
    assert urljoin(refused_at, done.headers["Location"]) == f"{base}?done=plan"
    assert token in done.headers["Location"]
