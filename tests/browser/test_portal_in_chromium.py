"""The self-service page on a phone: reached from the link in a real reminder, readable without sideways
scrolling, and usable from the keyboard alone."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest

from tests.integration.test_script_end_to_end import emails_to, http, kindly, madrid_night_and_next_morning
from tests.support.samples import ACCOUNT

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 667}  # a small phone, portrait


def test_a_debtor_pauses_reminders_from_a_phone_with_the_keyboard(stack, browser):
    env, api, moto = stack["env"], stack["api"], stack["moto"]
    tenant = json.loads(kindly(env, "tenant", "create", "--name", "Acme Móvil", "--sender-email",
                               "cobros@acme-movil.example.com", "--country", "ES", "--locale", "es-ES").stdout)
    headers = {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}
    _night, morning_at = madrid_night_and_next_morning()
    due = datetime.fromisoformat(morning_at.replace("Z", "+00:00")).date() - timedelta(days=2)
    invoice = {**ACCOUNT["invoices"][0], "issued_on": (due - timedelta(days=14)).isoformat(),
               "due_on": due.isoformat()}
    recipient = "ana.phone@example.com"
    status, _ = http("PUT", f"{api}/v1/accounts/acct-phone", {**ACCOUNT, "email": recipient, "invoices": [invoice]},
                     headers)
    assert status == 201
    assert json.loads(kindly(env, "sweep", "--at", morning_at, "--tenant", tenant["tenant_id"]).stdout)["sent"] == 1

    # Given the link in the reminder the debtor received
    [message] = emails_to(moto, recipient)
    link = re.search(rf'href="({re.escape(api)}/p/[^"]+)"', message["html"]).group(1)

    page = browser.new_page(viewport=PHONE, locale="es-ES")
    try:
        page.goto(link)
        # Then it is in Spanish, shows the amount, and fits the phone's width
        assert page.locator("html").get_attribute("lang") == "es"
        assert "49,00\xa0€" in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        pay = page.get_by_role("link", name="Pagar ahora")
        assert pay.is_visible() and pay.bounding_box()["height"] >= 44  # a thumb-sized target

        # When the debtor tabs to "Pause reminders" and presses Enter
        pause = page.get_by_role("button", name=re.compile("Pausar los recordatorios"))
        for _ in range(30):
            page.keyboard.press("Tab")
            if pause.evaluate("element => element === document.activeElement"):
                break
        else:
            pytest.fail("the pause button cannot be reached with the Tab key")
        with page.expect_navigation():
            page.keyboard.press("Enter")

        # Then the page confirms it, and the account is paused for the policy's 30 days
        assert "los recordatorios están en pausa" in page.inner_text("[role=status]")
        assert page.get_by_role("button", name=re.compile("Pausar")).count() == 0
    finally:
        page.close()
    status, account = http("GET", f"{api}/v1/accounts/acct-phone", headers=headers)
    assert account["state"] == "paused" and account["flags"]["hardship"]["set_by"] == "debtor:portal"
