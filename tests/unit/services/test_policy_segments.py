"""Segments over the fakes: an account that names no policy gets the first matching policy, in the worker, the
account's view and the preview; the tenant's policies are read once for a whole batch."""

from __future__ import annotations

import copy

from tests.support import samples
from tests.unit.services.conftest import put_account

BIG = [{"id": "INV-1001", "amount": 150000, "currency": "EUR", "issued_on": "2026-11-01", "due_on": "2026-11-15"}]


def vip_policy() -> dict:
    body = copy.deepcopy(samples.POLICY)
    body["steps"] = [{"offset_days": 1, "channel": "email", "template": "can_we_help"},
                     {"offset_days": 35, "action": "escalate"}]
    body["segment"] = {"priority": 1, "min_balance": 100000, "tags": ["enterprise"], "countries": []}
    return body


def test_an_account_without_a_policy_gets_the_matching_segment_and_the_worker_uses_it(
        policies, accounts, remind, faked, tenant):
    policies.put(tenant.tenant_id, "vip", vip_policy())
    big = put_account(accounts, tenant, "acct-big", policy=None, tags=["enterprise"], invoices=BIG)
    small = put_account(accounts, tenant, "acct-small", policy=None, tags=["enterprise"])
    named = put_account(accounts, tenant, "acct-named", policy="standard", tags=["enterprise"], invoices=BIG)

    assert accounts.view(big)["policy_applied"] == {
        "name": "vip", "why": "segment of policy 'vip': balance >= 100000, tag 'enterprise'"}
    assert accounts.view(small)["policy_applied"]["name"] == "standard"
    assert accounts.view(named)["policy_applied"] == {"name": "standard", "why": "named on the account"}
    assert accounts.view(big)["policy"] is None

    outcomes = [remind.process(tenant.tenant_id, account.account_id) for account in (big, small, named)]
    # vip's step for the big enterprise account only; standard's latest due step for the other two
    assert [(o.kind, o.template) for o in outcomes] == [
        ("sent", "can_we_help"), ("sent", "plan_offer"), ("sent", "plan_offer")]
    assert faked.policies.full_reads == 1  # one read of the tenant's policies for every account above


def test_a_new_policy_version_is_seen_at_once_by_segments(policies, accounts, faked, tenant):
    big = put_account(accounts, tenant, "acct-big", policy=None, tags=["enterprise"], invoices=BIG)
    assert accounts.view(big)["policy_applied"]["name"] == "standard"
    policies.put(tenant.tenant_id, "vip", vip_policy())
    assert accounts.view(big)["policy_applied"]["name"] == "vip"


def test_the_preview_says_which_policy_applies_to_the_account(policies, accounts, preview, tenant):
    policies.put(tenant.tenant_id, "vip", vip_policy())
    put_account(accounts, tenant, "acct-big", policy=None, tags=["enterprise"], invoices=BIG)
    shown = preview.preview(tenant.tenant_id, "standard", {"account_id": "acct-big", "days": 10})
    assert shown["policy"] == "standard"
    assert shown["policy_applied"]["name"] == "vip"
