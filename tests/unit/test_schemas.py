"""Bodies are checked strictly at the edge: every bad input is an InvalidInput naming its field
(SPEC capability 1 and "Errors and bad input"; API.md account and policy bodies)."""

from __future__ import annotations

import copy
import json
from datetime import time
from typing import Any

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.policies import ESCALATE, STANDARD, Caps, Policy, SendWindow, Step, validate_policy
from chalicelib.services.schemas import AccountIn, FlagIn, PolicyIn, parse
from tests.support.samples import ACCOUNT, POLICY, account

pytestmark = pytest.mark.unit


TEMPLATES = {"email": {"heads_up"}, "sms": set()}


# --- builders ----------------------------------------------------------------------------------

def invoice(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(ACCOUNT["invoices"][0])
    body.update(changes)
    return body


def without(*keys: str) -> dict[str, Any]:
    return {k: v for k, v in account().items() if k not in keys}


def as_json(body: Any) -> str:
    return json.dumps(body, ensure_ascii=False)


def rejected(model, text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse(model, text)
    return caught.value


def policy(*steps: Step, **changes: Any) -> Policy:
    """A valid two-step policy unless told otherwise."""
    return Policy("p", steps or (Step(-3, "email", "heads_up"), Step(35, action=ESCALATE)), **changes)


def invalid_policy(pol: Policy) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        validate_policy(pol, TEMPLATES)
    return caught.value


# --- AccountIn: what is accepted -----------------------------------------------------------------

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


# --- AccountIn: what is refused, and the field named -------------------------------------------------

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


@pytest.mark.parametrize("field", ["sender_email", "support_email"])
def test_a_tenants_addresses_follow_the_same_rule(field):
    from chalicelib.services.schemas import TenantIn

    tenant = {"name": "Bücher GmbH", "sender_email": "rechnung@example.com"}
    assert getattr(parse(TenantIn, {**tenant, field: "rechnung@bücher.de"}), field) == "rechnung@xn--bcher-kva.de"
    assert rejected(TenantIn, as_json({**tenant, field: "jürgen@example.com"})).field == field


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


# --- FlagIn ----------------------------------------------------------------------------------------

def test_a_flag_note_may_run_over_lines_but_hides_no_control_characters():
    assert parse(FlagIn, {"flag": "dispute", "active": True, "note": "Called us.\nSays it was paid."}).note
    assert rejected(FlagIn, as_json({"flag": "dispute", "active": True, "note": "a\u0000b"})).field == "note"


def test_a_flag_body_from_api_md_parses():
    parsed = parse(FlagIn, '{"flag": "hardship", "active": true, "until": "2026-12-12", "note": "lost job"}')
    assert (parsed.flag, parsed.active, parsed.until.isoformat()) == ("hardship", True, "2026-12-12")


@pytest.mark.parametrize(("body", "field"), [({"flag": "angry", "active": True}, "flag"),
                                             ({"flag": "dispute", "active": "yes"}, "active"),
                                             ({"flag": "dispute", "active": True, "by": "me"}, "by")])
def test_a_bad_flag_body_names_its_field(body, field):
    assert rejected(FlagIn, json.dumps(body)).field == field


# --- PolicyIn ----------------------------------------------------------------------------------------

def test_the_api_md_policy_body_parses():
    parsed = parse(PolicyIn, json.dumps(POLICY))
    assert [s.offset_days for s in parsed.steps] == [-3, 1, 4, 10, 21, 35]
    assert parsed.steps[-1].action == "escalate"
    assert parsed.settlement.discount_percent == 10


def test_a_step_with_both_an_action_and_a_channel_is_refused():
    body = copy.deepcopy(POLICY)
    body["steps"][5] = {"offset_days": 35, "action": "escalate", "channel": "email"}
    assert rejected(PolicyIn, json.dumps(body)).field == "steps[5]"


def test_a_message_step_without_a_template_is_refused():
    body = copy.deepcopy(POLICY)
    body["steps"][0] = {"offset_days": -3, "channel": "email"}
    assert rejected(PolicyIn, json.dumps(body)).field == "steps[0]"


def test_an_unknown_policy_field_is_named():
    assert rejected(PolicyIn, json.dumps({**POLICY, "max_steps": 9})).field == "max_steps"


# --- validate_policy ------------------------------------------------------------------------------------

def test_a_sound_policy_validates():
    validate_policy(policy(), TEMPLATES)


def test_an_unknown_email_template_is_refused_naming_the_step():
    error = invalid_policy(policy(Step(-3, "email", "heads_up"), Step(1, "email", "threatening_letter")))
    assert error.field == "steps[1].template"


def test_an_sms_step_without_any_sms_template_is_refused():
    error = invalid_policy(policy(Step(-3, "email", "heads_up"), Step(4, "sms", "sms_nudge")))
    assert error.field == "steps[1].template"


def test_steps_out_of_order_are_refused():
    error = invalid_policy(policy(Step(35, action=ESCALATE), Step(-3, "email", "heads_up")))
    assert error.field == "steps"


def test_a_duplicate_step_is_refused():
    error = invalid_policy(policy(Step(-3, "email", "heads_up"), Step(-3, "email", "heads_up")))
    assert error.field == "steps[1]"


def test_a_policy_without_steps_is_refused():
    assert invalid_policy(Policy("p", ())).field == "steps"


@pytest.mark.parametrize(("start", "end"), [(time(10), time(10)), (time(12), time(10))])
def test_a_window_that_starts_at_or_after_its_end_is_refused(start, end):
    assert invalid_policy(policy(send_window=SendWindow(start, end))).field == "send_window"


@pytest.mark.parametrize(("start", "end"), [(time(5), time(7, 30)), (time(6), time(8)), (time(21), time(23))])
def test_a_window_outside_0800_2100_is_refused(start, end):
    assert invalid_policy(policy(send_window=SendWindow(start, end))).field == "send_window"


def test_a_window_without_weekdays_is_refused():
    assert invalid_policy(policy(send_window=SendWindow(weekdays=frozenset()))).field == "send_window.weekdays"


@pytest.mark.parametrize(("caps", "field"), [(Caps(email_per_7d=4), "caps.email_per_7d"),
                                             (Caps(sms_per_7d=3), "caps.sms_per_7d"),
                                             (Caps(per_day=2), "caps.per_day")])
def test_caps_above_the_defaults_are_refused(caps, field):
    assert invalid_policy(policy(caps=caps)).field == field


def test_caps_may_be_tightened_to_zero():
    validate_policy(policy(caps=Caps(email_per_7d=1, sms_per_7d=0, per_day=1)), TEMPLATES)


@pytest.mark.parametrize("days", [0, -1, 91])
def test_hardship_pause_outside_1_to_90_days_is_refused(days):
    assert invalid_policy(policy(hardship_pause_days=days)).field == "hardship_pause_days"


def test_the_built_in_standard_policy_passes_with_its_own_templates():
    templates = {"email": {s.template for s in STANDARD.steps if s.channel == "email"},
                 "sms": {s.template for s in STANDARD.steps if s.channel == "sms"}}
    validate_policy(STANDARD, templates)


@pytest.mark.parametrize(("tag", "stored"), [("en-JP", "en-JP"), ("es-419", "es-419"), ("zh-hant-tw", "zh-Hant-TW")])
def test_a_real_tag_without_cldr_data_for_its_region_is_kept(tag, stored):
    # Given a tag whose language CLDR knows, When it is parsed, Then it is kept (normalised), not refused.
    assert parse(AccountIn, json.dumps(account(locale=tag))).locale == stored


def test_a_window_that_opens_after_the_last_sms_hour_is_refused_for_a_policy_with_sms():
    late = SendWindow(time(20, 0), time(21, 0))
    sms_policy = policy(Step(1, "sms", "sms_nudge"), send_window=late)
    with pytest.raises(InvalidInput) as caught:
        validate_policy(sms_policy, {**TEMPLATES, "sms": {"sms_nudge"}})
    assert caught.value.field == "send_window" and "SMS" in caught.value.message
