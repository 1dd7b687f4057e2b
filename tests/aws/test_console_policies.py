"""The console's policy pages through the app on moto: the list, the editor filled from a version, the preview on
three sample debtors that stores nothing, errors beside their field, saving a new version audited as the person,
the diff between versions; viewers read only, CSRF on every form, one tenant never seeing another's policies."""

from __future__ import annotations

import html as html_text
import json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support.console import FORM, add_user, sign_in
from tests.support.samples import POLICY

pytestmark = pytest.mark.aws


class _Form(HTMLParser):
    """What a browser would post from the page's policy form: every field's value, checked boxes only, and the
    submit button pressed."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.in_form = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post" and "/policies/" in a.get("action", ""):
            self.in_form = True
        if not self.in_form or "name" not in a and tag != "option":
            return
        if tag == "input" and a.get("type") == "checkbox":
            if "checked" in a:
                self.fields[a["name"]] = a.get("value", "on")
        elif tag == "input":
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        if tag == "form":
            self.in_form = False


def form_on(page: Any) -> dict[str, str]:
    parser = _Form()
    parser.feed(page.body.decode())
    assert parser.fields, "no policy form on the page"
    return parser.fields


def auth(tenant: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def signed_in(client: Any, aws: Any, tenant: dict[str, str], role: str) -> dict[str, str]:
    address = f"{role}@{tenant['tenant_id'].replace('_', '-')}.example.com"
    user_id = add_user(aws, tenant["tenant_id"], address, role)
    return {**sign_in(client, aws, address), "user_id": user_id}


def get(client: Any, session: dict[str, str], path: str) -> Any:
    return client.http.get(path, headers={"Cookie": session["cookie"]})


def post(client: Any, session: dict[str, str], path: str, fields: dict[str, str], csrf: bool = True) -> Any:
    body = {**fields, "csrf": session["csrf"]} if csrf else {k: v for k, v in fields.items() if k != "csrf"}
    return client.http.post(path, headers={**FORM, "Cookie": session["cookie"]}, body=urlencode(body))


def put_policy(client: Any, tenant: dict[str, str], name: str, **changes: Any) -> None:
    answer = client.http.put(f"/v1/policies/{name}", headers=auth(tenant), body=json.dumps({**POLICY, **changes}))
    assert answer.status_code in (200, 201), answer.body


def versions(aws: Any, tenant: dict[str, str], name: str) -> list[Any]:
    return aws.policy_repository.versions(tenant["tenant_id"], name)


def text_of(page: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.body.decode()))


# --- the list and the editor ---------------------------------------------------------------------------------

def test_the_list_shows_each_policy_with_its_version_and_segment_priority(client, aws, tenant):
    put_policy(client, tenant, "gentle")
    put_policy(client, tenant, "gentle", hardship_pause_days=45)
    put_policy(client, tenant, "big-debts", segment={"priority": 1, "min_balance": 100000})
    viewer = signed_in(client, aws, tenant, "viewer")

    page = get(client, viewer, "/console/policies")

    assert page.status_code == 200
    rows = re.findall(r"<tr>\s*<td><a href=\"[^\"]*console/policies/([a-z-]+)\">.*?</tr>", page.body.decode(), re.S)
    assert rows == ["big-debts", "gentle", "standard"]  # segment order first, then by name
    text = text_of(page)
    assert "gentle 2 · changes in 2" in text
    assert "big-debts 1 1 balance ≥ 100000" in text
    assert "standard built in, never changed not in segments" in text
    assert 'aria-current="page"' in page.body.decode() and ">Policies</a>" in page.body.decode()
    assert "A new policy" not in text  # a viewer does not create policies


def test_the_editor_shows_the_latest_version_in_its_fields(client, aws, tenant):
    put_policy(client, tenant, "gentle")
    put_policy(client, tenant, "gentle", hardship_pause_days=45,
               segment={"priority": 3, "min_balance": 0, "tags": ["smb", "vip"], "countries": ["ES", "PT"]})
    editor = signed_in(client, aws, tenant, "editor")

    page = get(client, editor, "/console/policies/gentle")
    fields = form_on(page)

    assert page.status_code == 200
    assert [fields[f"steps[{i}].offset_days"] for i in range(6)] == ["-3", "1", "4", "10", "21", "35"]
    assert (fields["steps[2].kind"], fields["steps[2].template"]) == ("sms", "sms_nudge")
    assert fields["steps[5].kind"] == "escalate"
    assert (fields["hardship_pause_days"], fields["segment.priority"]) == ("45", "3")
    assert (fields["segment.tags"], fields["segment.countries"]) == ("smb, vip", "ES, PT")
    assert (fields["settlement.on"], fields["settlement.discount_percent"]) == ("on", "10")
    assert "send_window.weekdays.6" not in fields and fields["send_window.weekdays.5"] == "on"
    assert "version 2" in text_of(page) and "?version=1" in page.body.decode()
    older = form_on(get(client, editor, "/console/policies/gentle?version=1"))
    assert older["hardship_pause_days"] == "30"


def test_add_a_row_re_renders_with_one_more_empty_row_and_remove_takes_one_out(client, aws, tenant):
    put_policy(client, tenant, "gentle")
    editor = signed_in(client, aws, tenant, "editor")
    fields = form_on(get(client, editor, "/console/policies/gentle"))

    added = post(client, editor, "/console/policies/gentle", {**fields, "do": "add_row"})
    removed = post(client, editor, "/console/policies/gentle", {**fields, "do": "remove:2"})

    assert added.status_code == 200
    grown = form_on(added)
    assert grown["steps[6].offset_days"] == "" and grown["steps[5].kind"] == "escalate"
    shrunk = form_on(removed)
    assert "steps[5].offset_days" not in shrunk
    assert [shrunk[f"steps[{i}].template"] for i in range(4)] == ["heads_up", "gentle_reminder", "plan_offer",
                                                                   "can_we_help"]
    assert len(versions(aws, tenant, "gentle")) == 1  # nothing saved


# --- preview, errors, save -------------------------------------------------------------------------------------

def test_preview_shows_what_three_sample_debtors_would_receive_and_saves_nothing(client, aws, tenant):
    put_policy(client, tenant, "gentle")
    editor = signed_in(client, aws, tenant, "editor")
    fields = form_on(get(client, editor, "/console/policies/gentle"))
    fields["steps[1].template"] = "can_we_help"  # the edit: day +1 sends can_we_help instead
    fields["steps[4].template"] = "gentle_reminder"

    page = post(client, editor, "/console/policies/gentle", {**fields, "do": "preview"})

    assert page.status_code == 200, page.body
    html = page.body.decode()
    sections = re.split(r"<h3>", html.split('id="preview-title"')[1].split("<form")[0])[1:]
    assert [s.split("</h3>")[0] for s in sections] == ["Lucía, Madrid (es-ES)", "Sam, Miami (en-US, Eastern time)",
                                                        "Jonas, Berlin (de-DE)"]
    for section in sections:
        assert "email · can_we_help" in section.split("email · gentle_reminder")[0]  # the edited order shows
        assert "sms · sms_nudge" in section
    madrid, miami = sections[0], sections[1]
    assert re.search(r"<td>\w{3} \d\d \w{3} (09|1\d):\d\d</td>", madrid)  # local hours inside the window
    assert madrid != miami  # different time zones: different local times
    assert len(versions(aws, tenant, "gentle")) == 1
    assert versions(aws, tenant, "gentle")[0].steps[1].template == "gentle_reminder"
    assert all(c.type != "policy_saved" for c in aws.console_changes.recent(tenant["tenant_id"], 5))
    for sample in ("sample-es", "sample-us", "sample-de"):  # the sample debtors live in memory only
        assert aws.account_repository.get(tenant["tenant_id"], sample) is None
    assert form_on(page)["steps[1].template"] == "can_we_help"  # the form keeps the edit


@pytest.mark.parametrize("field, value, shown_at, words", [
    ("steps[3].template", "no_such_template", "f-steps-3-template", "no email template named 'no_such_template'"),
    ("steps[1].offset_days", "soon", "f-steps-1-offset_days", "valid integer"),
    ("caps.per_day", "5", "f-caps-per_day", "may be tightened but not raised"),
    ("segment.max_balance", "0", "f-segment-max_balance", "max_balance"),
    ("send_window.start", "25:00", "f-send_window-start", "send_window.start"),
])
def test_invalid_input_is_shown_beside_its_field_and_nothing_is_saved(client, aws, tenant, field, value, shown_at,
                                                                       words):
    put_policy(client, tenant, "gentle")
    editor = signed_in(client, aws, tenant, "editor")
    fields = form_on(get(client, editor, "/console/policies/gentle"))

    for do in ("preview", "save"):
        page = post(client, editor, "/console/policies/gentle", {**fields, field: value, "do": do})

        assert page.status_code == 400, (do, page.body)
        html = page.body.decode()
        beside = re.search(rf'id="{shown_at}"[^>]*aria-invalid="true"[^>]*>\s*<p class="error" id="{shown_at}-error">'
                           rf'([^<]*)</p>', html)
        assert beside, html
        assert words in html_text.unescape(beside.group(1))
        assert form_on(page)[field] == value  # the person's input is kept to correct
        assert "Preview: the next 60 days" not in html
    assert len(versions(aws, tenant, "gentle")) == 1
    assert all(c.type != "policy_saved" for c in aws.console_changes.recent(tenant["tenant_id"], 5))


def test_save_makes_a_new_version_through_the_api_path_audited_as_the_person(client, aws, tenant):
    put_policy(client, tenant, "gentle")
    editor = signed_in(client, aws, tenant, "editor")
    fields = form_on(get(client, editor, "/console/policies/gentle"))
    fields |= {"hardship_pause_days": "60", "segment.priority": "2", "segment.countries": "es, de",
               "steps[6].offset_days": "", "steps[6].template": "", "do": "save"}

    saved = post(client, editor, "/console/policies/gentle", fields)

    assert saved.status_code == 303
    assert saved.headers["Location"].endswith("console/policies/gentle?saved=2")
    latest = versions(aws, tenant, "gentle")[-1]
    assert (latest.version, latest.hardship_pause_days) == (2, 60)
    assert (latest.segment["priority"], latest.segment["countries"]) == (2, ["ES", "DE"])
    assert latest.steps == versions(aws, tenant, "gentle")[0].steps  # the blank row is no step
    assert aws.policies.resolve(tenant["tenant_id"], "gentle").hardship_pause_days == 60  # in force
    (change,) = [c for c in aws.console_changes.recent(tenant["tenant_id"], 5) if c.type == "policy_saved"]
    assert change.actor == f"user:{editor['user_id']}"
    assert change.details == {"policy": "gentle", "version": "2"}
    shown = get(client, editor, "/console/policies/gentle?saved=2")
    assert "Version 2 is saved" in text_of(shown)


def test_an_editor_creates_a_new_policy_from_the_standard_one(client, aws, tenant):
    editor = signed_in(client, aws, tenant, "editor")

    start = get(client, editor, "/console/policies?new=weekend")
    assert start.status_code == 303 and start.headers["Location"].endswith("console/policies/weekend?new=1")
    page = get(client, editor, "/console/policies/weekend?new=1")
    fields = form_on(page)
    saved = post(client, editor, "/console/policies/weekend",
                 {**fields, "send_window.weekdays.6": "on", "do": "save"})

    assert saved.status_code == 303
    (stored,) = versions(aws, tenant, "weekend")
    assert stored.send_window.weekdays == frozenset(range(7))
    assert get(client, editor, "/console/policies/nothing-here").status_code == 404


# --- the diff ----------------------------------------------------------------------------------------------------

def test_the_diff_shows_changed_settings_and_the_steps_matched_up(client, aws, tenant):
    put_policy(client, tenant, "gentle")
    steps = POLICY["steps"][:2] + [{"offset_days": 2, "channel": "email", "template": "can_we_help"}] + \
        POLICY["steps"][2:]
    put_policy(client, tenant, "gentle", steps=steps, caps={"email_per_7d": 2, "sms_per_7d": 2, "per_day": 1})
    viewer = signed_in(client, aws, tenant, "viewer")

    page = get(client, viewer, "/console/policies/gentle/diff?from=1&to=2")

    assert page.status_code == 200
    html = page.body.decode()
    rows = re.findall(r'<tr class="diff-(\w+)"><td>\w+</td><td>(.*?)</td><td>(.*?)</td></tr>', html)
    assert [change for change, _, _ in rows] == ["same", "same", "added", "same", "same", "same", "same"]
    assert rows[2][2] == "<ins>day +2 · email · can_we_help</ins>"
    assert re.search(r"<code>caps.email_per_7d</code></th><td><del>3</del></td><td><ins>2</ins>", html)
    assert "hardship_pause_days" not in html  # unchanged settings are not listed
    assert get(client, viewer, "/console/policies/gentle/diff?from=1&to=9").status_code == 404



def test_the_first_change_to_the_built_in_standard_policy_is_diffed_against_the_built_in_one(client, aws, tenant):
    # Given the tenant never changed the built-in standard policy, and an editor saves a change to it
    editor = signed_in(client, aws, tenant, "editor")
    fields = form_on(get(client, editor, "/console/policies/standard"))
    saved = post(client, editor, "/console/policies/standard", {**fields, "steps[0].offset_days": "-4", "do": "save"})
    assert saved.status_code == 303 and [v.version for v in versions(aws, tenant, "standard")] == [1]

    # Then the built-in version stays in the list with the way to what changed, and the diff shows the change
    listed = text_of(get(client, editor, "/console/policies/standard?saved=1"))
    assert "version 1 (shown) · what changed built in" in listed
    page = get(client, editor, "/console/policies/standard/diff")
    assert page.status_code == 200
    rows = re.findall(r'<tr class="diff-(\w+)"><td>\w+</td><td>(.*?)</td><td>(.*?)</td></tr>', page.body.decode())
    assert [row for row in rows if row[0] != "same"] == [
        ("changed", "<del>day -3 · email · heads_up</del>", "<ins>day -4 · email · heads_up</ins>")]


# --- roles, CSRF, tenants ------------------------------------------------------------------------------------------

def test_a_viewer_reads_the_policy_but_a_viewers_post_is_403_and_writes_nothing(client, aws, tenant):
    put_policy(client, tenant, "gentle")
    viewer = signed_in(client, aws, tenant, "viewer")

    page = get(client, viewer, "/console/policies/gentle")
    fields = {"steps[0].offset_days": "1", "steps[0].kind": "email", "steps[0].template": "gentle_reminder"}
    answers = [post(client, viewer, "/console/policies/gentle", {**fields, "do": do}).status_code
               for do in ("save", "preview", "add_row")]

    assert page.status_code == 200
    assert "<fieldset disabled>" in page.body.decode() and 'value="save"' not in page.body.decode()
    assert answers == [403, 403, 403]
    assert len(versions(aws, tenant, "gentle")) == 1
    assert all(c.type != "policy_saved" for c in aws.console_changes.recent(tenant["tenant_id"], 5))


def test_a_post_without_a_valid_csrf_token_is_403_and_saves_nothing(client, aws, tenant):
    put_policy(client, tenant, "gentle")
    editor = signed_in(client, aws, tenant, "editor")
    fields = form_on(get(client, editor, "/console/policies/gentle"))

    missing = post(client, editor, "/console/policies/gentle", {**fields, "do": "save"}, csrf=False)
    wrong = post(client, editor, "/console/policies/gentle", {**fields, "csrf": "forged", "do": "save"}, csrf=False)

    assert (missing.status_code, wrong.status_code) == (403, 403)
    assert len(versions(aws, tenant, "gentle")) == 1


def test_another_tenants_policy_is_never_visible_or_changed(client, aws, tenant, other_tenant):
    put_policy(client, other_tenant, "theirs", hardship_pause_days=83)
    editor = signed_in(client, aws, tenant, "editor")

    listing = get(client, editor, "/console/policies")
    page = get(client, editor, "/console/policies/theirs")
    diff = get(client, editor, "/console/policies/theirs/diff")
    old = get(client, editor, "/console/policies/theirs?version=1")

    assert "theirs" not in text_of(listing)
    assert (page.status_code, diff.status_code, old.status_code) == (404, 404, 404)
    assert "pause_days" not in page.body.decode() and " 83 " not in text_of(page)
    new = form_on(get(client, editor, "/console/policies/theirs?new=1"))  # a policy of A's own, from standard
    assert new["hardship_pause_days"] == "30"
    assert post(client, editor, "/console/policies/theirs", {**new, "do": "save"}).status_code == 303
    assert [p.hardship_pause_days for p in versions(aws, other_tenant, "theirs")] == [83]
    assert [p.version for p in versions(aws, tenant, "theirs")] == [1]
