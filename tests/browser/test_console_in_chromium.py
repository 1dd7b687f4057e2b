"""The finance console in Chromium, against the real local stack (chalice local over DynamoDB Local and moto
server) with the demo tenant loaded: a person signs in with the link from the email the local SES received,
edits the standard policy with its preview before saving, diffs the versions, flags an account and reads it in
the timeline, and downloads the audit CSV; a viewer is not offered what the role cannot do. axe-core finds no
serious or critical violation on any console page; the forms are reached in order with the Tab key; every page
is photographed at 1280 px (the main ones at 820 px, without sideways scrolling); and the pages keep the
strict CSP and load nothing from anywhere else."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from chalicelib.local.outbox import fetch_outbox
from tests.integration.test_script_end_to_end import kindly

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"  # git-ignored: screenshots of the run
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 820, "height": 1180}
VIEWER = "viewer@demo.example"
ADMIN_PAGES = ("overview", "accounts", "account", "policies", "policy", "diff", "audit", "settings")
MAIN_PAGES = ("signin", "overview", "accounts", "account", "policy", "audit")
FOCUSABLE = ("a[href], button:not([disabled]), select:not([disabled]), textarea:not([disabled]), "
             "input:not([type=hidden]):not([disabled])")

LOAD_DEMO = """
import json
from chalicelib.config import apply_stage
apply_stage("local")
from chalicelib.bootstrap import Container
from chalicelib.config import settings
from chalicelib.local.demo import load_demo
app = Container(settings())
print(json.dumps(load_demo(app, app.clock.now().date())))
"""

# What `kindly local up` does every second and AWS does with figures_stream: the accounts' changes, read from
# DynamoDB Local's stream, become the figures the overview charts (this module's stack is a bare `chalice local`).
DRAIN_FIGURES = """
from chalicelib.config import apply_stage
apply_stage("local")
from chalicelib.bootstrap import Container
from chalicelib.config import settings
from chalicelib.local.figures_poller import FiguresPoller
print(FiguresPoller(Container(settings())).drain())
"""


@pytest.fixture(scope="module")
def demo(stack) -> dict[str, Any]:
    """The stack with the demo tenant `make run` loads (its admin finance@demo.example), swept once now (so the
    overview has charts and the timelines messages), and a viewer added with `kindly user add`."""
    loaded = subprocess.run([sys.executable, "-c", LOAD_DEMO], env=stack["env"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    tenant = json.loads(loaded.stdout.strip().splitlines()[-1])
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    kindly(stack["env"], "sweep", "--at", now, "--tenant", tenant["tenant_id"])
    drained = subprocess.run([sys.executable, "-c", DRAIN_FIGURES], env=stack["env"], cwd=ROOT, capture_output=True,
                             text=True, timeout=120, check=True)
    assert int(drained.stdout.strip().splitlines()[-1]) > 0, "the accounts' stream carried nothing to the figures"
    kindly(stack["env"], "user", "add", "--tenant", tenant["tenant_id"], "--email", VIEWER, "--role", "viewer")
    ARTIFACTS.mkdir(exist_ok=True)
    return {**stack, "tenant_id": tenant["tenant_id"], "admin": tenant["console_email"]}


def sign_in_link(moto_url: str, address: str, seen: int) -> str:
    """The sign-in link in the newest email SES received for `address`, which must be a new one."""
    emails = [m for m in fetch_outbox(moto_url)["email"] if address in m["destinations"]]
    assert len(emails) == seen + 1, f"expected a new sign-in email to {address}"
    return re.search(r"https?://\S+/console/signin/\S+", emails[-1]["text"]).group(0)


def emails_to(moto_url: str, address: str) -> int:
    return sum(address in m["destinations"] for m in fetch_outbox(moto_url)["email"])


def ask_and_follow_link(page, demo: dict[str, Any], address: str) -> None:
    seen = emails_to(demo["moto"], address)
    page.goto(f"{demo['api']}/console")
    page.get_by_label("Email address").fill(address)
    with page.expect_navigation():
        page.get_by_role("button", name="Email me a sign-in link").click()
    assert "a sign-in link is on" in page.inner_text("[role=status]")
    page.goto(sign_in_link(demo["moto"], address, seen))
    assert page.url == f"{demo['api']}/console"
    assert page.locator("h1").inner_text() == "Overview"


@pytest.fixture(scope="module")
def sessions(demo, browser) -> dict[str, Any]:
    """A signed-in browser state (its cookies) for the admin and for the viewer, each from a real link."""
    states = {}
    for role, address in (("admin", demo["admin"]), ("viewer", VIEWER)):
        context = browser.new_context(viewport=DESKTOP)
        try:
            ask_and_follow_link(context.new_page(), demo, address)
            states[role] = context.storage_state()
        finally:
            context.close()
    return states


def serious_violations(page) -> list[str]:
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert results["passes"], "axe checked nothing"
    return [f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in results["violations"]
            if v["impact"] in ("serious", "critical")]


def overflows(page) -> list[str]:
    """Nothing when the page fits the window's width; otherwise the innermost elements that stick out."""
    return page.evaluate("""() => document.scrollingElement.scrollWidth <= window.innerWidth ? [] :
        [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth
            && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth))
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? '[' + e.name + ']' : ''))
        .slice(0, 5)""")


def preview_rows(page) -> dict[str, list[str]]:
    """The preview's rows per sample debtor, as text."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#preview h3')].map(h => {
        const table = h.nextElementSibling;
        const rows = table && table.tagName === 'TABLE' ? [...table.querySelectorAll('tbody tr')] : [];
        return [h.textContent.trim(), rows.map(r => r.innerText.replace(/\\s+/g, ' ').trim())];
    }))""")


def test_finance_signs_in_by_email_edits_a_policy_with_its_preview_flags_an_account_and_exports(demo, browser):
    # The console works without JavaScript (the preview is a submit button): this person's browser has none
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, java_script_enabled=False)
    page = context.new_page()
    try:
        # Given the demo tenant's admin asks for a sign-in link and follows the one the local SES received
        ask_and_follow_link(page, demo, demo["admin"])
        assert f"{demo['admin']} (admin)" in page.inner_text("header")
        assert page.locator(".charts figure").count() >= 1  # the overview's charts (empty ones say so)

        # When they open the standard policy and preview it as it is
        page.get_by_role("link", name="Policies").click()
        page.get_by_role("link", name="standard", exact=True).click()
        assert page.locator("h1").inner_text().startswith("Policy standard")
        with page.expect_navigation():
            page.get_by_role("button", name="Preview").first.click()
        before = preview_rows(page)
        assert len(before) == 3 and all(before.values())  # three sample debtors, each with messages

        # And send the first step (the heads-up) a day earlier, and preview again, without saving
        first = page.get_by_label("Step 1 day offset")
        new_offset = int(first.input_value()) - 1
        first.fill(str(new_offset))
        with page.expect_navigation():
            page.get_by_role("button", name="Preview").first.click()

        # Then the preview of the three sample debtors changes before anything is saved
        assert page.locator("[role=alert]").count() == 0, page.inner_text("[role=alert]")
        after = preview_rows(page)
        assert after.keys() == before.keys() and after != before
        assert page.get_by_label("Step 1 day offset").input_value() == str(new_offset)
        assert "(not saved)" in page.inner_text("#preview")
        page.screenshot(path=str(ARTIFACTS / "console-policy-preview-1280.png"), full_page=True)

        # When they save it, a new version is listed and its diff shows the change
        with page.expect_navigation():
            page.get_by_role("button", name="Save as a new version").first.click()
        assert "Version 1 is saved" in page.inner_text("[role=status]")
        versions = page.locator("h2:has-text('Versions') + ul > li")
        assert [v.split()[0:2] for v in versions.all_inner_texts()][0] == ["version", "1"]
        page.get_by_role("link", name="what changed").first.click()
        assert page.locator("h1").inner_text() == "Policy standard: version 0 → version 1"
        changed = page.locator("tr.diff-changed, tr.diff-added, tr.diff-removed").all_inner_texts()
        assert [row.split("\t") for row in changed] == [
            ["changed", f"day {new_offset + 1} · email · heads_up", f"day {new_offset} · email · heads_up"]]
        page.screenshot(path=str(ARTIFACTS / "console-diff-1280.png"), full_page=True)

        # When they open an account and set a hardship flag with an until-date and a note
        page.get_by_role("link", name="Accounts").click()
        page.get_by_label("Account id, name or email").fill("demo-madrid")
        with page.expect_navigation():
            page.get_by_role("button", name="Search").click()
        page.get_by_role("link", name="demo-madrid").click()
        until = (date.today() + timedelta(days=20)).isoformat()
        page.get_by_label("Flag", exact=True).select_option("hardship")
        page.get_by_label("Set or clear", exact=True).select_option("set")
        page.get_by_label("Until").fill(until)
        page.get_by_label("Note").fill("lost her job; call in a month")
        with page.expect_navigation():
            page.get_by_role("button", name="Save the flag").click()

        # Then the account shows the flag, and its timeline says it in plain words
        assert "The flag is saved." in page.inner_text("[role=status]")
        flags = page.locator("h2:has-text('Flags') + table tbody").inner_text()
        assert "hardship" in flags and until in flags and "lost her job; call in a month" in flags
        timeline = page.locator("ol.timeline").inner_text()
        until_words = date.fromisoformat(until).strftime("%a %d %b %Y")
        assert "Flag “hardship” set by a person in the console (user:usr_" in timeline
        assert f"until {until_words}" in timeline
        page.screenshot(path=str(ARTIFACTS / "console-account-flagged-1280.png"), full_page=True)

        # When they export that account's audit trail as CSV
        page.get_by_role("link", name="Audit export").click()
        page.get_by_label("Account id").fill("demo-madrid")
        with page.expect_download() as downloading:
            page.get_by_role("button", name="Download CSV").click()
        download = downloading.value
        assert download.suggested_filename.endswith(".csv")
        rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))

        # Then the file has its header row and the flag event, by this person
        assert rows[0] == ["account_id", "seq", "at", "type", "actor", "details", "prev_hash", "hash"]
        [flag_row] = [r for r in rows[1:] if r[3] == "flag_set" and '"hardship"' in r[5]]
        assert flag_row[0] == "demo-madrid" and flag_row[4].startswith("user:usr_") and until in flag_row[5]
    finally:
        context.close()


def test_a_viewer_is_not_offered_the_changes_the_role_cannot_make(demo, sessions, browser):
    context = browser.new_context(viewport=DESKTOP, storage_state=sessions["viewer"])
    page = context.new_page()
    try:
        page.goto(f"{demo['api']}/console/policies/demo")
        assert f"{VIEWER} (viewer)" in page.inner_text("header")
        assert "You can read this policy" in page.inner_text("main")
        assert page.get_by_role("button", name="Preview").count() == 0
        assert page.get_by_role("button", name="Save as a new version").count() == 0
        assert page.locator("main form[method=post]").count() == 0
        assert page.locator("main :is(input, select, textarea, button):enabled").count() == 0
        page.goto(f"{demo['api']}/console/policies")
        assert page.get_by_role("button", name="Start from the standard policy").count() == 0
        page.goto(f"{demo['api']}/console/accounts/demo-dispute")
        assert page.get_by_role("button", name="Save the flag").count() == 0
        assert "An editor sets and clears flags." in page.inner_text("main")
        page.goto(f"{demo['api']}/console/settings")
        assert page.locator("main form[method=post]").count() == 0
        assert "An admin sets webhook secrets." in page.inner_text("main")
    finally:
        context.close()


def page_urls(demo: dict[str, Any], page) -> dict[str, str]:
    """Every signed-in console page an admin reaches, by name: the fixed ones and any other page the
    navigation links (a page added later is checked without changing this test)."""
    api = demo["api"]
    page.goto(f"{api}/console")
    nav = page.evaluate("[...document.querySelectorAll('nav[aria-label=Console] a')].map(a => a.href)")
    urls = {"overview": f"{api}/console", "accounts": f"{api}/console/accounts",
            "account": f"{api}/console/accounts/demo-dispute", "policies": f"{api}/console/policies",
            "policy": f"{api}/console/policies/demo", "diff": f"{api}/console/policies/demo/diff?from=1&to=2",
            "audit": f"{api}/console/audit", "settings": f"{api}/console/settings"}
    for href in nav:
        if href not in urls.values():
            urls["nav-" + urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]] = href
    return urls


def save_a_demo_version(page, api: str) -> None:
    """Version 2 of the demo policy (a narrower send window), saved through the editor, so there is a diff."""
    page.goto(f"{api}/console/policies/demo")
    if page.locator("a:has-text('version 2')").count():
        return
    page.get_by_label("Until (HH:MM)").fill("20:30")
    with page.expect_navigation():
        page.get_by_role("button", name="Save as a new version").first.click()
    assert "Version 2 is saved" in page.inner_text("[role=status]")


def test_every_console_page_has_no_serious_accessibility_violations_and_fits_desktop_and_tablet(
        demo, sessions, browser):
    # axe is injected as a script, which the console's CSP rightly forbids: this context alone bypasses it
    signed_out = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True, storage_state=sessions["admin"])
    found: dict[str, list[str]] = {}
    wide: dict[str, list[str]] = {}
    try:
        page = signed_out.new_page()
        pages = {"signin": f"{demo['api']}/console",
                 "expired-link": f"{demo['api']}/console/signin/{'x' * 43}"}
        for name, url in pages.items():
            page.goto(url)
            found[name] = serious_violations(page)
            page.screenshot(path=str(ARTIFACTS / f"console-{name}-1280.png"), full_page=True)
            page.set_viewport_size(TABLET)
            found[name] += serious_violations(page)
            if overflows(page):
                wide[name] = overflows(page)
            page.screenshot(path=str(ARTIFACTS / f"console-{name}-820.png"), full_page=True)
            page.set_viewport_size(DESKTOP)
        assert "no longer works" in page.inner_text("h1")

        page = context.new_page()
        save_a_demo_version(page, demo["api"])
        urls = page_urls(demo, page)
        assert set(ADMIN_PAGES) <= urls.keys()
        for name, url in urls.items():
            answer = page.goto(url)
            assert answer.status == 200, f"{name}: {answer.status}"
            if name == "overview":  # its charts are checked too: named by their title, read by their desc
                charts = page.locator("svg[role=img]")
                assert charts.count() >= 1
                assert all(chart.locator("title").count() == 1 and ": " in chart.locator("desc").text_content()
                           for chart in charts.all())
            found[name] = serious_violations(page)
            page.screenshot(path=str(ARTIFACTS / f"console-{name}-1280.png"), full_page=True)
            page.set_viewport_size(TABLET)
            if overflows(page):
                wide[name] = overflows(page)
            if name in MAIN_PAGES or name.startswith("nav-"):
                found[name] += serious_violations(page)
                page.screenshot(path=str(ARTIFACTS / f"console-{name}-820.png"), full_page=True)
            page.set_viewport_size(DESKTOP)

        # The editor with its preview and with a field's error beside it: the states a person meets
        page.goto(urls["policy"])
        with page.expect_navigation():
            page.get_by_role("button", name="Preview").first.click()
        assert page.locator("#preview h3").count() == 3
        found["policy-preview"] = serious_violations(page)
        page.get_by_label("Step 1 template").fill("no_such_template")
        with page.expect_navigation():
            page.get_by_role("button", name="Preview").first.click()
        assert page.locator("[aria-invalid=true]").count() == 1
        found["policy-error"] = serious_violations(page)
        page.screenshot(path=str(ARTIFACTS / "console-policy-error-1280.png"), full_page=True)
    finally:
        context.close()
        signed_out.close()
    assert {name: problems for name, problems in found.items() if problems} == {}
    assert wide == {}, "pages that scroll sideways at 820 px, and what sticks out"


def tab_order(page, presses: int) -> list[int]:
    """The index (in document order among the page's focusable controls) of each element Tab reaches."""
    page.evaluate(f"[...document.querySelectorAll({FOCUSABLE!r})].forEach((e, i) => e.dataset.k = i)")
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        k = page.evaluate("document.activeElement && document.activeElement.dataset.k")
        reached.append(int(k) if k is not None else -1)
    return reached


def test_the_sign_in_and_policy_editor_forms_are_reached_in_order_with_the_tab_key(demo, sessions, browser):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        # The sign-in page: the skip link, the address, the button, in that order, and it works with keys alone
        page.goto(f"{demo['api']}/console")
        controls = page.locator(FOCUSABLE).count()
        assert tab_order(page, controls) == list(range(controls))
        assert page.evaluate("document.activeElement.textContent") == "Email me a sign-in link"
        page.keyboard.press("Shift+Tab")
        page.keyboard.type(demo["admin"])
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "a sign-in link is on" in page.inner_text("[role=status]")
        # The skip link is the first stop, is seen when focused, and leads to the content
        page.keyboard.press("Tab")
        skip = page.locator("a.skip")
        assert skip.evaluate("e => e === document.activeElement")
        box = skip.bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0
    finally:
        context.close()

    context = browser.new_context(viewport=DESKTOP, storage_state=sessions["admin"])
    page = context.new_page()
    try:
        # The policy editor: every control, the navigation's first, then each field in the order it is read
        page.goto(f"{demo['api']}/console/policies/demo")
        controls = page.locator(FOCUSABLE).count()
        assert controls > 40
        assert tab_order(page, controls) == list(range(controls))
        # Every control shows where the focus is
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", "")
    finally:
        context.close()


def test_the_console_keeps_its_strict_csp_and_loads_nothing_from_elsewhere(demo, sessions, browser):
    context = browser.new_context(viewport=DESKTOP, storage_state=sessions["admin"])
    page = context.new_page()
    requested: list[str] = []
    refused: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    try:
        save_a_demo_version(page, demo["api"])  # so the diff page is one (this test may run alone)
        for url in page_urls(demo, page).values():
            answer = page.goto(url)
            assert answer.status == 200, url
            csp = answer.headers["content-security-policy"]
            assert csp.startswith("default-src 'none'; style-src 'nonce-"), url
            assert "unsafe-inline" not in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
            nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
            assert page.locator("style[nonce]").count() == 1 and nonce  # the one stylesheet, allowed by nonce
            assert page.locator("script, link[rel=stylesheet], iframe, [style]").count() == 0, url
            # The nonce'd style applies: the console's own layout, not the browser's default
            assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != "none"
    finally:
        context.close()
    origin = demo["api"]
    assert requested and [url for url in requested if not url.startswith(origin + "/")] == []
    assert refused == []
