"""What accounts.py says of an account lookup, for every use case that takes an account id."""

from __future__ import annotations

import pytest

from chalicelib.domain.accounts import Account, found_account
from chalicelib.domain.errors import NotFound

pytestmark = pytest.mark.unit


def test_a_found_account_is_the_account():
    account = Account(tenant_id="t1", account_id="acc-1", name="Ana", locale="en", policy=None)

    assert found_account(account, "acc-1") is account


def test_an_account_not_found_is_not_found_naming_the_id_and_its_field():
    with pytest.raises(NotFound) as refused:
        found_account(None, "acc-9")

    assert refused.value.field == "account_id"
    assert refused.value.message == "no account 'acc-9'"
