"""The page's plan and promise forms, read as a debtor fills them in: amounts typed in major units with a point
or a comma, in the currency's own decimals; anything else refused naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.plans import Quote, QuotedInstalment
from chalicelib.inputs.portal_forms import plan_request, promise_form, same_terms, terms_of

BY = "2026-12-12"


@pytest.mark.parametrize(("typed", "owing", "minor"), [
    ("49", {"EUR": 4900}, 4900), ("49.5", {"EUR": 4900}, 4950), ("49,50", {"EUR": 4900}, 4950),
    (" 1 000,00 ", {"EUR": 200000}, 100000), ("5000", {"JPY": 9000}, 5000), ("1.250", {"KWD": 5000}, 1250),
])
def test_an_amount_is_read_in_the_currencys_minor_units(typed, owing, minor):
    assert promise_form({"amount": typed, "by": BY}, owing) == (minor, next(iter(owing)), date(2026, 12, 12))


@pytest.mark.parametrize(("fields", "field"), [
    ({"amount": "10,001", "by": BY}, "amount"),  # a tenth of a cent
    ({"amount": "10.5", "by": BY, "currency": "JPY"}, "amount"),  # yen have no decimals
    ({"amount": "-5", "by": BY}, "amount"), ({"amount": "0", "by": BY}, "amount"),
    ({"amount": "NaN", "by": BY}, "amount"), ({"amount": "1e3", "by": BY}, None),
    ({"amount": "ten", "by": BY}, "amount"), ({"amount": "10", "by": "next week"}, "by"),
    ({"amount": "10", "by": BY, "currency": "USD"}, "currency"),
])
def test_a_promise_form_that_cannot_be_read_names_its_field(fields, field):
    owing = {"EUR": 4900, "JPY": 9000}
    if field is None:  # scientific notation is a number: the policy's limits decide (here: more than owed)
        assert promise_form({**fields, "currency": "EUR"}, owing)[0] == 100000
        return
    with pytest.raises(InvalidInput) as refused:
        promise_form(fields if "currency" in fields else {**fields, "currency": "EUR"}, owing)
    assert refused.value.field == field


@pytest.mark.parametrize(("fields", "field"), [
    ({"frequency": "daily", "instalments": "3", "first_on": BY}, "frequency"),
    ({"frequency": "monthly", "instalments": "three", "first_on": BY}, "instalments"),
    ({"frequency": "monthly", "instalments": "1000", "first_on": BY}, "instalments"),
    ({"frequency": "monthly", "instalments": "3", "first_on": "12/12/2026"}, "first_on"),
])
def test_a_plan_form_that_cannot_be_read_names_its_field(fields, field):
    with pytest.raises(InvalidInput) as refused:
        plan_request(fields)
    assert refused.value.field == field


def test_the_terms_carry_every_date_and_amount_so_any_edit_shows():
    quoted = Quote("EUR", 4900, (QuotedInstalment(1, date(2026, 12, 5), 2450),
                                 QuotedInstalment(2, date(2027, 1, 5), 2450)))
    terms = terms_of(quoted)
    assert terms == "EUR:4900:2026-12-05=2450,2027-01-05=2450"
    assert same_terms({"terms": terms}, quoted)
    for edited in (terms.replace("=2450", "=2000", 1), terms.replace("2027-01-05", "2027-02-05"),
                   terms.replace("EUR", "USD"), ""):
        assert not same_terms({"terms": edited}, quoted)
