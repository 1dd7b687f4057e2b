"""The page's first sentence answers "what happens now?" from the account as it stands: the next reminder's
local day, or what holds reminders (a plan, a promise, a pause, a dispute, a person), or that nothing is owed."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from msgspec.structs import replace

from chalicelib.domain import what_now as w
from chalicelib.domain.accounts import Flag
from chalicelib.domain.plans import PlanLimits, PlanRequest, quote, start_plan
from chalicelib.domain.promises import Promise
from chalicelib.domain.what_now import what_now
from tests.unit.services.conftest import NOW, put_account

MADRID_TODAY = date(2026, 12, 1)


@pytest.fixture
def account(accounts, tenant):
    return put_account(accounts, tenant)


@pytest.fixture
def policy(policies, tenant):
    return policies.resolve(tenant.tenant_id, "standard")


def test_the_next_reminder_is_named_by_its_local_day(account, policy):
    account.next_action_at = datetime.fromisoformat("2026-12-03T23:30:00+00:00")  # 00:30 on the 4th in Madrid
    assert what_now(account, policy, NOW) == w.WhatNow(w.NEXT_REMINDER, date(2026, 12, 4))


def test_a_reminder_already_due_is_said_to_come_today_not_in_the_past(account, policy):
    account.next_action_at = NOW - timedelta(days=2)
    assert what_now(account, policy, NOW).on == MADRID_TODAY


def test_nothing_scheduled_says_so(account, policy):
    account.next_action_at = None
    assert what_now(account, policy, NOW).kind == w.QUIET


def test_an_active_plan_names_its_next_instalment(account, policy):
    quoted = quote(PlanRequest("monthly", 2, date(2026, 12, 10)), account.balance(), PlanLimits.of(policy),
                   MADRID_TODAY)
    account.plan = start_plan(quoted, "monthly", "debtor", NOW)
    account.next_action_at = NOW + timedelta(days=5)
    assert what_now(account, policy, NOW) == w.WhatNow(w.PLAN, date(2026, 12, 10))


def test_an_open_promise_holds_until_its_date(account, policy):
    account.promise = Promise(4900, "EUR", date(2026, 12, 12), NOW)
    assert what_now(account, policy, NOW) == w.WhatNow(w.PROMISE, date(2026, 12, 12))
    account.promise = replace(account.promise, status="broken")
    assert what_now(account, policy, NOW).kind == w.NEXT_REMINDER


def test_a_pause_comes_before_a_plan_and_names_the_day_reminders_may_return(account, policy):
    account.promise = Promise(4900, "EUR", date(2026, 12, 12), NOW)
    account.flags = {"hardship": Flag("hardship", True, NOW, date(2026, 12, 31))}
    assert what_now(account, policy, NOW) == w.WhatNow(w.PAUSED, date(2026, 12, 31), "hardship")


def test_a_dispute_holds_with_no_end_date(account, policy):
    account.flags = {"hardship": Flag("hardship", True, NOW, date(2026, 12, 31)),
                     "dispute": Flag("dispute", True, NOW)}
    assert what_now(account, policy, NOW) == w.WhatNow(w.PAUSED, None, "dispute")


@pytest.mark.parametrize("state", ["held", "escalated"])
def test_a_held_or_escalated_account_waits_for_a_person(account, policy, state):
    account.state = state
    assert what_now(account, policy, NOW).kind == w.PERSON


def test_nothing_owed_means_nothing_more_will_come(accounts, tenant, policy):
    paid = put_account(accounts, tenant, invoices=[])
    assert what_now(paid, policy, NOW).kind == w.SETTLED


def test_the_page_carries_the_answer_for_the_stored_account(portal, links, tenant, account, faked, policy):
    token = links.portal_url(tenant.tenant_id, account.account_id, faked.clock.now()).rsplit("/p/", 1)[1]
    view = portal.view(token)
    expected = what_now(view.account, policy, NOW)
    assert view.page()["what_now"] == {"kind": expected.kind, "on": expected.on, "flag": expected.flag}
