"""A tenant's body follows the same field rules as an account's."""

from __future__ import annotations

import pytest

from chalicelib.inputs.parsing import parse
from chalicelib.inputs.tenants import TenantIn
from tests.support.inputs import as_json, rejected

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("field", ["sender_email", "support_email", "reply_to"])
def test_a_tenants_addresses_follow_the_same_rule(field):
    tenant = {"name": "Bücher GmbH", "sender_email": "rechnung@example.com"}
    assert getattr(parse(TenantIn, {**tenant, field: "rechnung@bücher.de"}), field) == "rechnung@xn--bcher-kva.de"
    assert rejected(TenantIn, as_json({**tenant, field: "jürgen@example.com"})).field == field
