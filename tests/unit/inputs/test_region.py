"""`region` takes the ISO 3166-2 form (ES-MD) or the bare subdivision code (MD); the account keeps the bare
code, which is what the holiday calendar looks up."""

from __future__ import annotations

import json
from datetime import date

import pytest

from chalicelib.adapters.holiday_calendar import holiday_checker
from chalicelib.domain.errors import InvalidInput
from chalicelib.inputs.accounts import AccountIn, account_from_input
from chalicelib.inputs.parsing import parse
from tests.support.samples import account

MADRID_DAY = date(2026, 5, 2)  # Fiesta de la Comunidad de Madrid: a holiday in Madrid, not in Spain


def stored(**changes):
    return account_from_input("t_1", "acct-1", parse(AccountIn, json.dumps(account(**changes))), "es-ES")


@pytest.mark.parametrize("region", ["ES-MD", "MD"])
def test_both_forms_are_stored_as_the_subdivision_code_and_see_madrids_holidays(region):
    debtor = stored(region=region)
    assert debtor.region == "MD"
    assert holiday_checker(debtor.country, debtor.region)(MADRID_DAY)


def test_without_a_region_only_the_national_holidays_apply():
    debtor = stored(region=None)
    assert not holiday_checker(debtor.country, debtor.region)(MADRID_DAY)
    assert holiday_checker(debtor.country, debtor.region)(date(2026, 5, 1))


@pytest.mark.parametrize(("changes", "says"), [
    ({"region": "FR-MD"}, "FR"),  # another country's subdivision
    ({"region": "ES-MD", "country": None}, "country"),  # a prefix with nothing to check it against
    ({"region": "ES_MD"}, "ISO 3166-2"),
    ({"region": "ES-"}, "ISO 3166-2"),
    ({"region": "es-md"}, "ISO 3166-2"),
    ({"region": "MD\n"}, "ISO 3166-2"),
])
def test_a_region_that_does_not_fit_the_country_is_refused_naming_region(changes, says):
    with pytest.raises(InvalidInput) as refused:
        parse(AccountIn, json.dumps(account(**changes)))
    assert refused.value.field == "region" and says in refused.value.message
