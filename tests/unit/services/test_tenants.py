"""Tenants (services/tenants.py) over the fakes: created with an API key and a sender to verify."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Unauthenticated
from tests.unit.services.conftest import create_tenant


def test_a_tenant_is_stored_with_a_key_that_authenticates_and_its_sender_is_verified(tenants, faked):
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn

    tenant, key = tenants.create(parse(TenantIn, {"name": "Acme", "sender_email": "billing@acme.example.com"}))

    assert faked.tenants.get(tenant.tenant_id) == tenant == tenants.get(tenant.tenant_id)
    assert tenants.authenticate(f"Bearer {key}").tenant_id == tenant.tenant_id
    assert tenants.authenticate(f"bearer  {key} ").tenant_id == tenant.tenant_id
    assert faked.email.verified == ["billing@acme.example.com"]
    assert key not in repr(faked.tenants.keys)  # only the key's hash is kept


def test_two_tenants_get_distinct_ids_and_keys(tenants, faked):
    first, second = create_tenant(tenants), create_tenant(tenants, name="Globex")
    assert first.tenant_id != second.tenant_id and len(faked.tenants.keys) == 2


@pytest.mark.parametrize("authorization", [None, "", "Basic abc", "Bearer", "Bearer kly_not_a_key",
                                           "Bearer nope"])
def test_anything_but_a_known_key_is_unauthenticated(tenants, tenant, authorization):
    with pytest.raises(Unauthenticated):
        tenants.authenticate(authorization)


def test_a_bad_tenant_body_is_refused_before_anything_is_stored(faked):
    from chalicelib.domain.errors import InvalidInput
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn

    with pytest.raises(InvalidInput) as refused:
        parse(TenantIn, {"name": "Acme", "sender_email": "not-an-address"})
    assert refused.value.field == "sender_email"
    assert faked.tenants.tenants == {} and faked.email.verified == []
