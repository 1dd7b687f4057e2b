"""An account body is checked strictly at the edge: every bad input is an InvalidInput naming its field
(SPEC capability 1 and "Errors and bad input"; API.md account body). Also the reading rules every input shares:
malformed JSON, unknown fields, a field sent twice."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from chalicelib.inputs.accounts import AccountIn
from chalicelib.inputs.parsing import parse
from tests.support.inputs import as_json, rejected
from tests.support.samples import ACCOUNT, account

pytestmark = pytest.mark.unit


def invoice(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(ACCOUNT["invoices"][0])
    body.update(changes)
    return body


def without(*keys: str) -> dict[str, Any]:
    return {k: v for k, v in account().items() if k not in keys}


def test_the_api_md_sample_account_parses():
    parsed = parse(AccountIn, as_json(ACCOUNT))
    assert parsed.name == "Ana García"
    assert parsed.email == "ana@example.com"
    assert parsed.phone == "+34600123456"
    assert (parsed.locale, parsed.timezone, parsed.country) == ("es-ES", "Europe/Madrid", "ES")
    assert parsed.invoices[0].amount == 4900
    assert parsed.invoices[0].status == "open"


def test_an_already_decoded_dict_obeys_the_same_rules():
    assert parse(AccountIn, account()).name == "Ana García"
    assert rejected(AccountIn, account(nickname="x")).field == "nickname"  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [as_json(account(name="Zoë Ñúñez 李小龍 🙂")),
                                  json.dumps(account(name="Zoë Ñúñez 李小龍 🙂")),
                                  as_json(account(name="Zoë Ñúñez 李小龍 🙂")).encode()],
                         ids=["utf8-text", "ascii-escaped", "utf8-bytes"])
def test_unicode_names_are_accepted_and_preserved(text):
    assert parse(AccountIn, text).name == "Zoë Ñúñez 李小龍 🙂"


@pytest.mark.parametrize(
    ("given", "stored"),
    [("+34 600 12 34 56", "+34600123456"), ("+44 20 7946 0958", "+442079460958"),
     ("+1 (415) 555-2671", "+14155552671")],
)
def test_phone_is_normalised_to_e164(given, stored):
    assert parse(AccountIn, as_json(account(phone=given))).phone == stored


@pytest.mark.parametrize(("given", "stored"), [("es-es", "es-ES"), ("EN-us", "en-US"), ("fr", "fr")])
def test_locale_is_normalised_to_bcp47_case(given, stored):
    assert parse(AccountIn, as_json(account(locale=given))).locale == stored


def test_a_country_alone_is_enough_to_place_the_debtor():
    assert parse(AccountIn, as_json(without("timezone"))).country == "ES"


def test_a_timezone_alone_is_enough_to_place_the_debtor():
    assert parse(AccountIn, as_json(without("country"))).timezone == "Europe/Madrid"


@pytest.mark.parametrize("text", ["{", '{"name": "Ana",}', "", "null garbage", "{'name': 'Ana'}"])
def test_malformed_json_is_refused_without_a_field(text):
    error = rejected(AccountIn, text)
    assert error.field is None
    assert "JSON" in error.message


def test_an_unknown_top_level_field_is_named():
    error = rejected(AccountIn, as_json(account(nickname="Ani")))
    assert error.field == "nickname"
    assert "nickname" in error.message


def test_a_field_sent_twice_is_refused_not_silently_overwritten():
    text = as_json(account()).replace('"name": ', '"name": "First", "name": ', 1)
    error = rejected(AccountIn, text)
    assert error.field == "name" and "more than once" in error.message


def test_a_field_sent_twice_inside_an_invoice_is_refused():
    text = as_json(account()).replace('"amount": ', '"amount": 1, "amount": ', 1)
    assert rejected(AccountIn, text).field == "amount"


def test_an_unknown_invoice_field_is_named():
    error = rejected(AccountIn, as_json(account(invoices=[invoice(discount=10)])))
    assert error.field == "invoices[0].discount"
    assert "discount" in error.message


@pytest.mark.parametrize(
    "amount", ["4900", 49.5, 4900.0, True, None, [4900], 0, -4900, 10**15],
    ids=["string", "fraction", "float", "bool", "null", "list", "zero", "negative", "absurd"],
)
def test_a_bad_amount_is_refused_naming_it(amount):
    error = rejected(AccountIn, as_json(account(invoices=[invoice(amount=amount)])))
    assert error.field == "invoices[0].amount"


def test_the_second_invoices_bad_amount_names_the_second_invoice():
    error = rejected(AccountIn, as_json(account(invoices=[invoice(), invoice(id="INV-1002", amount=-1)])))
    assert error.field == "invoices[1].amount"


@pytest.mark.parametrize(("field", "value"), [("name", 5), ("name", None), ("email", 42), ("tags", "smb"),
                                              ("processor_ids", ["stripe"])])
def test_wrong_types_are_refused_naming_the_field(field, value):
    assert rejected(AccountIn, as_json(account(**{field: value}))).field == field


def test_invoices_as_an_object_instead_of_a_list_is_refused():
    assert rejected(AccountIn, as_json(account(invoices=invoice()))).field == "invoices"


def test_a_missing_name_is_refused():
    error = rejected(AccountIn, as_json(without("name")))
    assert error.field == "name"


@pytest.mark.parametrize("currency", ["EUR1", "XXX?", "eur", "EU", "ZZZ", "", "XXX", "XTS", "XAU", "XDR"])
def test_a_bad_currency_is_refused(currency):
    assert rejected(AccountIn, as_json(account(invoices=[invoice(currency=currency)]))).field == \
        "invoices[0].currency"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "europe/madrid", "UTC+2", "", "Europe/Madrid "])
def test_a_bad_timezone_is_refused(zone):
    assert rejected(AccountIn, as_json(account(timezone=zone))).field == "timezone"


@pytest.mark.parametrize("url", ["https://pay.example/1\n", "https://pay.example/1\r\nX-Evil: 1", "javascript:alert(1)",
                                 "ftp://pay.example/1", "https://", "https://pay example/1"])
def test_a_pay_link_that_is_not_one_http_url_is_refused(url):
    assert rejected(AccountIn, as_json(account(invoices=[invoice(payment_url=url)]))).field == \
        "invoices[0].payment_url"


@pytest.mark.parametrize("phone", ["12345", "+1 555", "+34600", "0034600123456", "+34 600 12 34 5X", "phone"])
def test_a_bad_phone_is_refused(phone):
    assert rejected(AccountIn, as_json(account(phone=phone))).field == "phone"


@pytest.mark.parametrize(("given", "stored"), [
    ("ana@bücher.de", "ana@xn--bcher-kva.de"), ("ana@BÜCHER.de", "ana@xn--bcher-kva.de"),
    ("ana@xn--bcher-kva.de", "ana@xn--bcher-kva.de"), ("Ana@Example.COM", "Ana@example.com"),
])
def test_an_email_domain_is_kept_in_its_ascii_form(given, stored):
    # SES and every mail server take the domain as IDNA (punycode); RFC 2047 words inside an address reach no one
    assert parse(AccountIn, as_json(account(email=given))).email == stored


@pytest.mark.parametrize("email", ["josé@example.com", "añа@bücher.de", "用户@例子.广告", "ana​@example.com"])
def test_a_non_ascii_local_part_is_refused_naming_email(email):
    error = rejected(AccountIn, as_json(account(email=email)))
    assert error.field == "email"
    assert email.split("@")[0] not in error.message  # the message explains without repeating the address


@pytest.mark.parametrize("email", ["ana@", "not-an-email", "ana@@example.com", "ana example@x.com", "@example.com"])
def test_a_bad_email_is_refused(email):
    assert rejected(AccountIn, as_json(account(email=email))).field == "email"


@pytest.mark.parametrize("locale", ["zz-ZZ", "klingon", "x", "es-XX", ""])
def test_a_bad_locale_is_refused(locale):
    assert rejected(AccountIn, as_json(account(locale=locale))).field == "locale"


@pytest.mark.parametrize("country", ["ESP", "es", "XX", "E"])
def test_a_bad_country_is_refused(country):
    assert rejected(AccountIn, as_json(account(country=country))).field == "country"


def test_sms_consent_time_without_an_offset_is_refused():
    body = account(sms_consent={"source": "signup-form", "at": "2026-01-05T10:00:00"})
    assert rejected(AccountIn, as_json(body)).field == "sms_consent.at"


def test_a_due_date_before_the_issue_date_is_refused_naming_the_invoice_and_due_on():
    error = rejected(AccountIn, as_json(account(invoices=[invoice(issued_on="2026-11-20", due_on="2026-11-15")])))
    assert error.field in ("invoices[0]", "invoices[0].due_on")
    assert "due_on" in error.message


def test_an_impossible_date_is_refused():
    assert rejected(AccountIn, as_json(account(invoices=[invoice(due_on="2026-02-30")]))).field == \
        "invoices[0].due_on"


def test_duplicate_invoice_ids_are_refused_naming_the_invoices():
    error = rejected(AccountIn, as_json(account(invoices=[invoice(), invoice(amount=100)])))
    assert error.field is not None and error.field.startswith("invoices")


@pytest.mark.parametrize("name", ["Ana\x00García", "Ana\nGarcía", "Ana\tGarcía", "Ana\x1b[31mGarcía", "Ana\x7f",
                                  "Ana\u0085García", "Ana\u009b31mGarcía"],
                         ids=["nul", "newline", "tab", "escape", "del", "c1-nel", "c1-csi"])
def test_a_name_with_control_characters_is_refused(name):
    assert rejected(AccountIn, as_json(account(name=name))).field == "name"


@pytest.mark.parametrize("name", ["", "   "])
def test_a_blank_name_is_refused(name):
    assert rejected(AccountIn, as_json(account(name=name))).field == "name"


def test_neither_timezone_nor_country_is_refused_naming_them():
    error = rejected(AccountIn, as_json(without("timezone", "country")))
    assert error.field in ("timezone", "country")


@pytest.mark.parametrize(("tag", "stored"), [("en-JP", "en-JP"), ("es-419", "es-419"), ("zh-hant-tw", "zh-Hant-TW")])
def test_a_real_tag_without_cldr_data_for_its_region_is_kept(tag, stored):
    # Given a tag whose language CLDR knows, When it is parsed, Then it is kept (normalised), not refused.
    assert parse(AccountIn, json.dumps(account(locale=tag))).locale == stored
