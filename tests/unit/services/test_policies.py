"""Policies (services/policies.py) over the fakes: each put is a new version; a bad one is refused, unstored."""

from __future__ import annotations

import copy

import pytest

from chalicelib.domain.errors import InvalidInput, NotFound
from tests.support import samples


def test_a_policy_is_stored_as_version_one_then_each_put_adds_a_version(policies, faked, tenant):
    first = policies.put(tenant.tenant_id, "gentle", samples.POLICY)
    body = copy.deepcopy(samples.POLICY)
    body["hardship_pause_days"] = 60
    second = policies.put(tenant.tenant_id, "gentle", body)

    assert (first.version, second.version) == (1, 2)
    assert policies.get(tenant.tenant_id, "gentle") == second
    assert policies.resolve(tenant.tenant_id, "gentle").hardship_pause_days == 60
    assert policies.exists(tenant.tenant_id, "gentle") and not policies.exists("t_other", "gentle")
    assert faked.policies.latest("t_other", "gentle") is None


def test_the_built_in_policy_needs_no_storing(policies, faked, tenant):
    assert policies.get(tenant.tenant_id, "standard").name == "standard"
    assert faked.policies.stored == {}


def with_step(**step):
    body = copy.deepcopy(samples.POLICY)
    body["steps"] = [*body["steps"][:-1], step]
    return body


@pytest.mark.parametrize(("name", "body", "field"), [
    ("Gentle!", samples.POLICY, "name"),
    ("gentle", with_step(offset_days=40, channel="email", template="no_such_template"), None),
    ("gentle", {**samples.POLICY, "send_window": {"start": "19:00", "end": "09:00", "weekdays": [0]}}, "send_window"),
    ("gentle", {**samples.POLICY, "surprise": True}, "surprise"),
])
def test_a_bad_policy_is_refused_and_nothing_is_stored(policies, faked, tenant, name, body, field):
    with pytest.raises(InvalidInput) as refused:
        policies.put(tenant.tenant_id, name, body)

    if field is not None:
        assert refused.value.field == field
    assert faked.policies.stored == {}


def test_a_policy_nobody_wrote_is_not_found(policies, tenant):
    with pytest.raises(NotFound):
        policies.get(tenant.tenant_id, "gentle")


def test_build_checks_a_body_as_put_does_but_stores_nothing(policies, faked, tenant):
    built = policies.build("gentle", samples.POLICY)
    with pytest.raises(InvalidInput) as refused:
        policies.build("gentle", with_step(offset_days=40, channel="email", template="no_such_template"))

    assert (built.name, built.version, len(built.steps)) == ("gentle", 0, 6)
    assert refused.value.field == "steps[5].template"
    assert faked.policies.stored == {}


def test_versions_and_all_latest_include_the_built_in_policy_until_the_tenant_changes_it(policies, tenant):
    assert [p.version for p in policies.versions(tenant.tenant_id, "standard")] == [0]
    assert policies.versions(tenant.tenant_id, "gentle") == []
    policies.put(tenant.tenant_id, "gentle", samples.POLICY)
    policies.put(tenant.tenant_id, "standard", samples.POLICY)

    assert [p.version for p in policies.versions(tenant.tenant_id, "standard")] == [1]
    assert [(p.name, p.version) for p in policies.all_latest(tenant.tenant_id)] == [("gentle", 1), ("standard", 1)]
    assert [p.name for p in policies.all_latest("t_other")] == ["standard"]
