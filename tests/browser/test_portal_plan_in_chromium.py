"""A payment plan set up on a phone from the link in a real reminder, with the keyboard alone; the page checked
with axe-core (no serious or critical violations) and photographed at 375 px and 1280 px; then the confirmation
email the worker sends, read back from moto's SES: its schedule table and its .ics, one event per instalment."""

from __future__ import annotations

import email
import email.policy
import html as html_text
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.local.network import http as fetch
from tests.integration.test_script_end_to_end import emails_to, http, kindly, madrid_night_and_next_morning
from tests.support.samples import ACCOUNT

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored: screenshots of the run
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}
ACCENT = "#0f766e"


def tab_to(page, target, presses: int = 60) -> None:
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{target} cannot be reached with the Tab key")


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results["violations"]
            if v["impact"] in ("serious", "critical")]


@pytest.fixture
def reminder_link(stack):
    env, api, moto = stack["env"], stack["api"], stack["moto"]
    tenant = json.loads(kindly(env, "tenant", "create", "--name", "Acme Plazos S.L.", "--sender-email",
                               "cobros@acme-plazos.example.com", "--country", "ES", "--locale", "es-ES",
                               "--display-name", "Acme Plazos", "--accent-color", ACCENT,
                               "--support-email", "ayuda@acme-plazos.example.com").stdout)
    headers = {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}
    _night, morning_at = madrid_night_and_next_morning()
    due = datetime.fromisoformat(morning_at.replace("Z", "+00:00")).date() - timedelta(days=2)
    invoice = {**ACCOUNT["invoices"][0], "issued_on": (due - timedelta(days=14)).isoformat(),
               "due_on": due.isoformat()}
    recipient = f"ana.{uuid.uuid4().hex[:8]}@example.com"  # the stack is shared by the module's tests
    status, _ = http("PUT", f"{api}/v1/accounts/acct-plan", {**ACCOUNT, "email": recipient, "invoices": [invoice]},
                     headers)
    assert status == 201
    assert json.loads(kindly(env, "sweep", "--at", morning_at, "--tenant", tenant["tenant_id"]).stdout)["sent"] == 1
    [message] = emails_to(moto, recipient)
    link = re.search(rf'href="({re.escape(api)}/p/[^"]+)"', message["html"]).group(1)
    return {"link": link, "api": api, "headers": headers, "env": env, "moto": moto, "tenant": tenant["tenant_id"],
            "swept_at": morning_at}


def sweep_until_sent(stack: dict[str, Any], template: str, limit: int = 4) -> dict[str, Any]:
    """Sweep the tenant at the account's next action (never before the last sweep) until `template` is sent;
    its message_sent event."""
    clock = datetime.fromisoformat(stack["swept_at"].replace("Z", "+00:00"))
    for _ in range(limit):
        _status, account = http("GET", f"{stack['api']}/v1/accounts/acct-plan", headers=stack["headers"])
        clock = max(clock, datetime.fromisoformat(account["next_action_at"].replace("Z", "+00:00")))
        kindly(stack["env"], "sweep", "--at", clock.astimezone(UTC).isoformat(), "--tenant", stack["tenant"])
        _status, timeline = http("GET", f"{stack['api']}/v1/accounts/acct-plan/timeline", headers=stack["headers"])
        sent = [e for e in timeline["events"] if e["type"] == "message_sent" and e["details"]["template"] == template]
        if sent:
            return sent[0]
    raise AssertionError(f"{template} not sent after {limit} sweeps: {timeline['events'][-3:]}")


def raw_email(moto_url: str, provider_message_id: str) -> email.message.EmailMessage:
    """The MIME message exactly as SES (moto server) received it."""
    data = json.loads(fetch(f"{moto_url}/moto-api/data.json", timeout=10.0))
    [raw] = [m["raw_data"] for m in data["ses"]["RawMessage"] if m["id"] == provider_message_id]
    return email.message_from_bytes(raw.encode("utf-8", "surrogateescape"), policy=email.policy.default)


def schedule_rows(body: str) -> list[tuple[str, str, str]]:
    """The (n, date, amount) rows of the email's instalment table, as a reader sees them."""
    [table] = re.findall(r"<table[^>]*>\s*<caption.*?</table>", body, re.S)
    rows = re.findall(r"<tr><th scope=\"row\"[^>]*>(.*?)</th><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>", table)
    return [tuple(html_text.unescape(cell).strip() for cell in row) for row in rows]  # type: ignore[misc]


def test_a_debtor_sets_up_a_monthly_plan_on_a_phone_with_the_keyboard_alone(reminder_link, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport=PHONE, locale="es-ES")
    try:
        page.goto(reminder_link["link"])
        # The page opens with what happens next, then the ways to settle before the pause and the dispute
        assert page.locator("main > p.whatnow").count() == 1 and "próximo recordatorio" in page.inner_text("#what-now")
        order = page.evaluate("[...document.querySelectorAll('main h2')].map(h => h.id)")
        assert order.index("owed") < order.index("plan") < order.index("promise") < order.index("pause") \
            < order.index("dispute")
        # The brand's accent reaches the pay button under the strict CSP (the nonce'd style applies)
        assert page.evaluate("getComputedStyle(document.querySelector('a.pay')).backgroundColor") == \
            "rgb(15, 118, 110)"

        # When the debtor picks monthly, the first date offered (today) and two payments, with the keyboard
        tab_to(page, page.locator("#frequency"))
        assert page.locator("#frequency").input_value() == "monthly"
        tab_to(page, page.locator("#instalments"))
        page.keyboard.press("2")
        assert page.locator("#instalments").input_value() == "2"
        tab_to(page, page.get_by_role("button", name="Ver fechas e importes"))
        with page.expect_navigation():
            page.keyboard.press("Enter")

        # Then every date and amount is shown before anything is agreed, and fits the phone
        assert "Su plan, antes de aceptar" in page.inner_text("main")
        assert page.inner_text("main").count("24,50\xa0€") == 2
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(ARTIFACTS / "plan-quote-375.png"), full_page=True)

        # When the debtor agrees with the keyboard
        tab_to(page, page.get_by_role("button", name="Acepto este plan"))
        with page.expect_navigation():
            page.keyboard.press("Enter")

        # Then the page confirms the plan, shows it, and says what happens now
        assert "Su plan está acordado" in page.inner_text("[role=status]")
        assert "Su plan de pagos" in page.inner_text("main")
        assert "No habrá recordatorios mientras siga su plan" in page.inner_text("#what-now")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(ARTIFACTS / "plan-375.png"), full_page=True)
        page.set_viewport_size(DESKTOP)
        page.screenshot(path=str(ARTIFACTS / "plan-1280.png"), full_page=True)
    finally:
        page.close()
    status, account = http("GET", f"{reminder_link['api']}/v1/accounts/acct-plan", headers=reminder_link["headers"])
    assert status == 200 and account["plan"]["status"] == "active" and account["plan"]["created_by"] == "debtor"
    assert [i["amount"] for i in account["plan"]["instalments"]] == [2450, 2450]
    assert (ARTIFACTS / "plan-375.png").stat().st_size > 0 and (ARTIFACTS / "plan-1280.png").stat().st_size > 0

    # And the worker sends the debtor the plan they agreed: plan_confirmed, with its table and its calendar
    from babel.dates import format_date
    from icalendar import Calendar

    instalments = account["plan"]["instalments"]
    sent = sweep_until_sent(reminder_link, "plan_confirmed")
    message = raw_email(reminder_link["moto"], sent["details"]["provider_message_id"])
    assert message["To"] == account["email"]
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    body = html_part.get_content()
    assert schedule_rows(body) == [
        (str(i["n"]), format_date(date.fromisoformat(i["due_on"]), format="long", locale="es_ES"), "24,50\xa0€")
        for i in instalments]
    [ics] = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert ics.get_filename().endswith(".ics")
    events = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")
    assert sorted(event.decoded("dtstart") for event in events) == [date.fromisoformat(i["due_on"])
                                                                     for i in instalments]
    assert all("24,50" in str(event["summary"]) for event in events)

    # Opened as the debtor's mail app would show it on the phone
    page = browser.new_page(viewport=PHONE, java_script_enabled=False)
    try:
        page.set_content(body)
        assert page.locator("table:has(> caption) > tbody > tr").count() == len(instalments)
        page.screenshot(path=str(ARTIFACTS / "plan-confirmed-email-375.png"), full_page=True)
    finally:
        page.close()


def test_the_page_and_its_plan_quote_have_no_serious_accessibility_violations(reminder_link, browser):
    # axe is injected as a script, which the page's CSP rightly forbids: this context alone bypasses it
    context = browser.new_context(viewport=PHONE, locale="es-ES", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(reminder_link["link"])
        assert serious_violations(page) == []
        with page.expect_navigation():
            page.get_by_role("button", name="Ver fechas e importes").click()
        assert "Su plan, antes de aceptar" in page.inner_text("main")
        assert serious_violations(page) == []
        page.set_viewport_size(DESKTOP)
        assert serious_violations(page) == []
    finally:
        context.close()
