"""The console's accounts pages (services/console_accounts.py) over the fakes: what a search finds, what one
account's page holds, and the flag form read as the API's flag."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.services.console_accounts import PAGE_SIZE, SearchAsked, flag_from_form, search_asked
from tests.unit.services.conftest import put_account, stored

pytestmark = pytest.mark.unit


@pytest.fixture
def pages(container):
    return container.console_accounts


def ids(found):
    return [row["account_id"] for row in found["rows"]]


def test_search_is_a_case_insensitive_substring_of_id_name_or_email(pages, accounts, tenant):
    put_account(accounts, tenant, "acct-1")
    put_account(accounts, tenant, "acct-2", name="Bob Stone", email=None)
    put_account(accounts, tenant, "other", name="Carla", email="carla@example.org")

    def found(text):
        return ids(pages.search(tenant.tenant_id, SearchAsked(text, None, 1)))

    assert found("gARCÍa") == ["acct-1"]
    assert found("EXAMPLE.ORG") == ["other"]
    assert found("acct") == ["acct-1", "acct-2"]
    assert found("") == ["acct-1", "acct-2", "other"]
    assert found("nobody") == []


def test_search_rows_carry_balance_state_and_next_action(pages, accounts, tenant):
    account = put_account(accounts, tenant)

    (row,) = pages.search(tenant.tenant_id, SearchAsked("", None, 1))["rows"]

    assert row["balance"] == {"EUR": 4900} and row["state"] == "active"
    assert row["next_action_at"] == account.next_action_at and row["disputed"] is False


def test_a_search_never_finds_another_tenants_accounts(pages, accounts, tenant, tenants):
    from tests.unit.services.conftest import create_tenant

    theirs = create_tenant(tenants, name="Globex")
    put_account(accounts, theirs, "acct-theirs")

    assert ids(pages.search(tenant.tenant_id, SearchAsked("", None, 1))) == []
    with pytest.raises(NotFound):
        pages.account_page(tenant.tenant_id, "acct-theirs")


def test_filters_read_overdue_and_disputed_from_the_account(pages, faked, accounts, tenant):
    put_account(accounts, tenant, "owing")
    put_account(accounts, tenant, "later", invoices=[{"id": "I", "amount": 100, "currency": "EUR",
                                                       "issued_on": "2026-11-20", "due_on": "2027-01-15"}])
    put_account(accounts, tenant, "one-disputed")
    accounts.set_flag(tenant.tenant_id, "one-disputed", flag_from_form(
        {"flag": "dispute", "action": "set", "invoice_id": "INV-1001"}), "user:u1")

    def found(state):
        return ids(pages.search(tenant.tenant_id, SearchAsked("", state, 1)))

    assert found("overdue") == ["owing"]  # "later" is not due yet; a dispute of every invoice pauses
    assert found("disputed") == ["one-disputed"]
    assert found("paused") == ["one-disputed"]
    assert found("held") == found("settled") == found("escalated") == []


def test_results_are_paged_and_a_page_past_the_end_shows_the_last(pages, accounts, tenant):
    for n in range(PAGE_SIZE + 1):
        put_account(accounts, tenant, f"a-{n:03d}")

    first = pages.search(tenant.tenant_id, SearchAsked("", None, 1))
    past = pages.search(tenant.tenant_id, SearchAsked("", None, 9))

    assert (len(first["rows"]), first["pages"], first["total"]) == (PAGE_SIZE, 2, PAGE_SIZE + 1)
    assert (ids(past), past["page"]) == ([f"a-{PAGE_SIZE:03d}"], 2)


@pytest.mark.parametrize("query, field", [({"state": "sleeping"}, "state"), ({"page": "0"}, "page"),
                                          ({"page": "two"}, "page"), ({"q": "x" * 201}, "q")])
def test_a_bad_search_names_its_field(query, field):
    with pytest.raises(InvalidInput) as raised:
        search_asked(query)
    assert raised.value.field == field


def test_a_search_form_reads_trimmed_with_no_state_for_any():
    assert search_asked({"q": "  ana ", "state": ""}) == SearchAsked("ana", None, 1)


def test_the_account_page_holds_the_policy_the_timeline_in_words_the_check_and_the_preview(pages, accounts,
                                                                                           tenant):
    put_account(accounts, tenant)
    accounts.set_flag(tenant.tenant_id, "acct-1", flag_from_form(
        {"flag": "hardship", "action": "set", "until": "2027-01-31", "note": "lost job"}), "user:u1")

    page = pages.account_page(tenant.tenant_id, "acct-1")

    assert page["account"]["policy_applied"] == {"name": "standard", "why": "named on the account"}
    assert [event["words"] for event in page["timeline"]] == [  # newest first
        "Flag “hardship” set by a person in the console (user:u1) until Sun 31 Jan 2027.",
        "Account created by api: owes €49.00.",
    ]
    assert page["verification"].ok and page["verification"].events == len(page["timeline"])
    assert page["preview"]["days"] == 60 and page["preview"]["policy"] == "standard"
    assert page["flags"][0]["name"] == "hardship" and page["flags"][0]["note"] == "lost job"
    assert page["until_min"] == "2026-12-02" and page["can_resume"] is False


def test_a_broken_chain_is_said_on_the_page(pages, faked, accounts, tenant):
    put_account(accounts, tenant)
    account = stored(faked, tenant)
    account.audit_head = type(account.audit_head)(account.audit_head.seq + 1, "f" * 64)  # an event gone missing
    faked.accounts.save(account)

    assert pages.account_page(tenant.tenant_id, "acct-1")["verification"].ok is False


@pytest.mark.parametrize("form, field", [
    ({"flag": "hardship", "action": "pause"}, "action"),
    ({"flag": "napping", "action": "set"}, "flag"),
    ({"flag": "hardship", "action": "set", "until": "tomorrow"}, "until"),
    ({"flag": "hardship", "action": "set", "invoice_id": "INV-1"}, "invoice_id"),
])
def test_a_bad_flag_form_names_its_field(form, field):
    with pytest.raises(InvalidInput) as raised:
        flag_from_form(form)
    assert raised.value.field == field


def test_blank_optional_fields_are_left_out():
    flag = flag_from_form({"flag": "dispute", "action": "clear", "until": "", "note": " ", "invoice_id": ""})
    assert (flag.flag, flag.active, flag.until, flag.note, flag.invoice_id) == ("dispute", False, None, None, None)
