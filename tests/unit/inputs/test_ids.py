"""Ids and names from the path are checked whole: API Gateway decodes %0A, so "acct-1\n" can arrive, and a
pattern ending in "$" would let it through (re.match's "$" also matches before a final newline)."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.inputs.accounts import AccountIn
from chalicelib.inputs.ids import check_account_id
from chalicelib.inputs.parsing import parse
from chalicelib.services.policies import PolicyService
from tests.support.samples import account

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("account_id", ["acct-1\n", "acct-1\r\n", "acct#1", ""])
def test_an_account_id_with_a_trailing_newline_or_unsafe_character_is_refused(account_id):
    with pytest.raises(InvalidInput) as refused:
        check_account_id(account_id)
    assert refused.value.field == "account_id"


def test_a_policy_name_with_a_trailing_newline_is_refused_before_anything_is_read():
    service = PolicyService.__new__(PolicyService)  # the name is checked before any port is used
    with pytest.raises(InvalidInput) as refused:
        service.put("t-1", "gentle\n", "{}")
    assert refused.value.field == "name"


def test_a_locale_with_a_trailing_newline_is_refused():
    with pytest.raises(InvalidInput) as refused:
        parse(AccountIn, json.dumps(account(locale="es-ES\n")))
    assert refused.value.field == "locale"
