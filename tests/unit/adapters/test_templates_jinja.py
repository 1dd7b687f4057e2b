"""Every reminder template renders, in every language, courteously and with what the reader needs."""

from __future__ import annotations

import html
import itertools
from datetime import date
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from markupsafe import escape

from chalicelib.adapters.templates_jinja import (
    TEMPLATE_ROOT,
    JinjaRenderer,
    UnknownTemplate,
    available_templates,
)
from chalicelib.domain.messages import InvoiceLine, MessageContext
from chalicelib.domain.wording import is_gsm7, lint_message, sms_segments

pytestmark = pytest.mark.unit

EMAIL_TEMPLATES = ("heads_up", "gentle_reminder", "plan_offer", "can_we_help", "final_notice_kind", "thank_you")
SMS_TEMPLATES = ("sms_nudge", "sms_reminder")
# The plan and settlement messages need a plan or an offer in their context: tests/unit/test_plan_templates.py.
PLAN_EMAIL_TEMPLATES = ("plan_confirmed", "instalment_heads_up", "instalment_missed", "plan_ended",
                        "settlement_offer", "settlement_confirmed", "promise_missed")
PLAN_SMS_TEMPLATES = ("instalment_heads_up", "instalment_missed", "promise_missed")
LOCALES = {"en": "en-US", "es": "es-ES", "fr": "fr-FR", "de": "de-DE"}
ROLES = ("first_party", "third_party")

DUE = date(2026, 11, 15)
# About as long as a signed link an SMS can carry next to a 40-character tenant name and the disclosure.
PORTAL = "https://pay.kindly.example/p/acc_7f3a9c2e?e=1797379200&s=9f86d081"
UNSUBSCRIBE = "https://pay.kindly.example/u/acc_7f3a9c2e?e=1797379200&s=2c26b46b"
LONG_TENANT = "Northwind Cloud Accounting Services GmbH"
assert len(LONG_TENANT) == 40

EMAIL_OPT_OUT = {
    "en": "Don't want these emails? Unsubscribe here:",
    "es": "¿No desea recibir estos correos? Puede darse de baja aquí:",
    "fr": "Vous ne souhaitez plus recevoir ces e-mails ? Désabonnez-vous ici :",
    "de": "Sie möchten diese E-Mails nicht mehr erhalten? Hier können Sie sich abmelden:",
}
SMS_OPT_OUT = {
    "en": "Reply STOP to opt out",
    "es": "Responda STOP para darse de baja",
    "fr": "Répondez STOP pour vous désabonner",
    "de": "Antworten Sie STOP zum Abmelden",
}
EMAIL_DISCLOSURE = {
    "en": "This is a communication from a debt collector. This is an attempt to collect a debt and any "
    "information obtained will be used for that purpose.",
    "es": "Esta es una comunicación de un cobrador de deudas. Se trata de un intento de cobrar una deuda y "
    "cualquier información obtenida se utilizará para ese fin.",
    "fr": "Ceci est une communication d'un agent de recouvrement. Il s'agit d'une tentative de recouvrement "
    "d'une créance, et toute information obtenue sera utilisée à cette fin.",
    "de": "Dies ist eine Mitteilung eines Inkassounternehmens. Es handelt sich um den Versuch, eine Forderung "
    "einzuziehen, und alle erhaltenen Informationen werden zu diesem Zweck verwendet.",
}
SMS_DISCLOSURE = {
    "en": "This is a communication from a debt collector.",
    "es": "Este mensaje es de un cobrador de deudas.",
    "fr": "Ceci est un message d'un agent de recouvrement.",
    "de": "Dies ist eine Mitteilung eines Inkassounternehmens.",
}


@pytest.fixture(scope="module")
def renderer() -> JinjaRenderer:
    return JinjaRenderer()


def make_ctx(template: str, channel: str, locale: str = "en-US", **changes) -> MessageContext:
    fields = {
        "template": template,
        "channel": channel,
        "locale": locale,
        "tenant_name": "Acme Cloud",
        "tenant_role": "first_party",
        "support_email": "help@acme.example",
        "debtor_name": "Ana García",
        "balances": ((4900, "EUR"),),
        "invoices": (InvoiceLine("INV-2026-0042", 4900, "EUR", DUE, "https://pay.acme.example/i/42?a=1&b=2"),),
        "due_on": DUE,
        "portal_url": PORTAL,
        "unsubscribe_url": UNSUBSCRIBE,
    }
    fields.update(changes)
    return MessageContext(**fields)


def babel_money(minor: int, currency: str, locale: str, places: int = 2) -> str:
    return format_currency(Decimal(minor).scaleb(-places), currency, locale=locale.replace("-", "_"))


def flat(text: str) -> str:
    """What an SMS does to spacing: every run of whitespace (no-break spaces too) is one space."""
    return " ".join(text.split())


def test_the_template_names_are_the_ones_policies_may_use():
    assert available_templates("email") == set(EMAIL_TEMPLATES)
    assert available_templates("sms") == set(SMS_TEMPLATES)
    assert available_templates("fax") == set()


@pytest.mark.parametrize("lang", LOCALES)
def test_every_language_has_every_template(lang):
    # A missing translation would silently fall back to English: make it a failure instead.
    for template in EMAIL_TEMPLATES + PLAN_EMAIL_TEMPLATES:
        for part in ("subject", "txt", "html"):
            assert (TEMPLATE_ROOT / "email" / lang / f"{template}.{part}.j2").is_file()
    for template in SMS_TEMPLATES + PLAN_SMS_TEMPLATES:
        assert (TEMPLATE_ROOT / "sms" / lang / f"{template}.txt.j2").is_file()


@pytest.mark.parametrize(("template", "lang", "role"), list(itertools.product(EMAIL_TEMPLATES, LOCALES, ROLES)))
def test_email_is_complete_courteous_and_in_the_readers_language(renderer, template, lang, role):
    locale = LOCALES[lang]
    msg = renderer.render(make_ctx(template, "email", locale, tenant_role=role))
    page = html.unescape(msg.html)
    amount = babel_money(4900, "EUR", locale)

    assert msg.subject and "\n" not in msg.subject and msg.subject == msg.subject.strip()
    for body in (msg.text, page):
        assert "Acme Cloud" in body and "Ana García" in body
        assert amount in body
        assert "help@acme.example" in body
        assert EMAIL_OPT_OUT[lang] in body
        assert (EMAIL_DISCLOSURE[lang] in body) is (role == "third_party")
    assert f"{PORTAL}\n" in msg.text and f"{UNSUBSCRIBE}\n" in msg.text
    assert f'href="{escape(PORTAL)}"' in msg.html and f'href="{escape(UNSUBSCRIBE)}"' in msg.html
    assert f'<html lang="{lang}">' in msg.html
    assert msg.headers == {
        "List-Unsubscribe": f"<{UNSUBSCRIBE}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert lint_message(msg.text, "email", locale) == []
    assert lint_message(page, "email", locale) == []
    assert lint_message(msg.subject + "\n" + EMAIL_OPT_OUT[lang], "email", locale) == []


@pytest.mark.parametrize(("template", "lang", "role"), list(itertools.product(SMS_TEMPLATES, LOCALES, ROLES)))
def test_sms_is_complete_courteous_and_ends_with_stop(renderer, template, lang, role):
    locale = LOCALES[lang]
    msg = renderer.render(make_ctx(template, "sms", locale, tenant_role=role))

    assert msg.subject is None and msg.html is None
    assert "\n" not in msg.text
    assert msg.text.endswith(SMS_OPT_OUT[lang])
    assert PORTAL in msg.text and "Acme Cloud" in msg.text
    assert flat(babel_money(4900, "EUR", locale)) in msg.text
    assert (SMS_DISCLOSURE[lang] in msg.text) is (role == "third_party")
    assert lint_message(msg.text, "sms", locale) == []
    assert is_gsm7(msg.text) and sms_segments(msg.text) <= 2


@pytest.mark.parametrize(("template", "lang", "role"), list(itertools.product(SMS_TEMPLATES, LOCALES, ROLES)))
def test_sms_fits_two_segments_with_a_long_tenant_name_and_several_currencies(renderer, template, lang, role):
    ctx = make_ctx(
        template,
        "sms",
        LOCALES[lang],
        tenant_name=LONG_TENANT,
        tenant_role=role,
        balances=((123456, "EUR"), (98765, "GBP")),
    )
    msg = renderer.render(ctx)
    assert LONG_TENANT in msg.text and PORTAL in msg.text
    assert flat(babel_money(123456, "EUR", LOCALES[lang])) in msg.text
    assert flat(babel_money(98765, "GBP", LOCALES[lang])) in msg.text
    assert is_gsm7(msg.text), "a stray non-GSM character would halve the room"
    assert sms_segments(msg.text) <= 2


def test_an_sms_that_cannot_fit_two_segments_is_refused_naming_the_template(renderer):
    ctx = make_ctx("sms_reminder", "sms", portal_url="https://pay.kindly.example/p/" + "x" * 300)
    with pytest.raises(ValueError, match="sms_reminder"):
        renderer.render(ctx)


def test_sms_spells_accents_the_gsm_way_to_keep_its_length(renderer):
    msg = renderer.render(make_ctx("sms_nudge", "sms", "es-ES", tenant_name="Energía Côte"))
    assert msg.text.startswith("Energia Cote: ")
    assert is_gsm7(msg.text)


@pytest.mark.parametrize(
    ("locale", "minor", "currency", "email_amount", "sms_amount"),
    [
        ("en-US", 4900, "EUR", "€49.00", "€49.00"),
        ("es-ES", 4900, "EUR", "49,00\u00a0€", "49,00 €"),
        ("de-DE", 4900, "EUR", "49,00\u00a0€", "49,00 €"),
        ("en-GB", 4900, "GBP", "£49.00", "£49.00"),
        ("en-US", 4900, "JPY", "¥4,900", "¥4,900"),
        ("de-DE", 4900, "JPY", "4.900\u00a0¥", "4.900 ¥"),
        ("fr-FR", 4900, "EUR", format_currency(Decimal("49.00"), "EUR", locale="fr_FR"), "49,00 €"),
    ],
)
def test_money_is_formatted_exactly_as_babel_does_for_the_full_locale(
    renderer, locale, minor, currency, email_amount, sms_amount
):
    assert babel_money(minor, currency, locale, places=0 if currency == "JPY" else 2) == email_amount
    balances = ((minor, currency),)
    invoices = (InvoiceLine("INV-1", minor, currency, DUE),)
    email = renderer.render(make_ctx("heads_up", "email", locale, balances=balances, invoices=invoices))
    assert email_amount in email.subject and email_amount in email.text
    assert email_amount in html.unescape(email.html)
    sms = renderer.render(make_ctx("sms_nudge", "sms", locale, balances=balances))
    assert sms_amount in sms.text


def test_fr_amount_uses_the_no_break_space_babel_gives(renderer):
    amount = format_currency(Decimal("1234.50"), "EUR", locale="fr_FR")
    assert amount in ("1\u202f234,50\u00a0€", "1\u00a0234,50\u00a0€", "1\u202f234,50\u202f€")
    msg = renderer.render(make_ctx("gentle_reminder", "email", "fr-FR", balances=((123450, "EUR"),)))
    assert amount in msg.text


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-GB", "15 November 2026"),
        ("en-US", "November 15, 2026"),
        ("es-ES", "15 de noviembre de 2026"),
        ("fr-FR", "15 novembre 2026"),
        ("de-DE", "15. November 2026"),
    ],
)
def test_dates_are_long_and_in_the_locale(renderer, locale, expected):
    msg = renderer.render(make_ctx("gentle_reminder", "email", locale))
    assert expected in msg.subject and expected in msg.text


def test_several_currencies_are_listed_in_the_texts_language(renderer):
    balances = ((4900, "EUR"), (1250, "GBP"))
    assert "€49.00 and £12.50" in renderer.render(make_ctx("heads_up", "email", "en-GB", balances=balances)).text
    assert (
        "49,00\u00a0€ y 12,50\u00a0GBP"
        in renderer.render(make_ctx("heads_up", "email", "es-ES", balances=balances)).text
    )


def test_unsupported_language_falls_back_to_english_words_but_keeps_its_money_and_dates(renderer):
    email = renderer.render(make_ctx("gentle_reminder", "email", "pt-BR"))
    assert email.text.startswith("Hi Ana García,")
    assert '<html lang="en">' in email.html
    assert babel_money(4900, "EUR", "pt-BR") in email.text
    assert babel_money(4900, "EUR", "pt-BR") != babel_money(4900, "EUR", "en-US")
    assert format_date(DUE, format="long", locale="pt_BR") in email.text
    assert lint_message(email.text, "email", "pt-BR") == []

    sms = renderer.render(make_ctx("sms_nudge", "sms", "pt-BR"))
    assert sms.text.endswith(SMS_OPT_OUT["en"])
    assert flat(babel_money(4900, "EUR", "pt-BR")) in sms.text


@pytest.mark.parametrize("locale", ["es-MX", "de_AT", "FR-ca"])
def test_the_language_is_the_primary_subtag(renderer, locale):
    lang = locale[:2].lower()
    msg = renderer.render(make_ctx("heads_up", "email", locale))
    assert EMAIL_OPT_OUT[lang] in msg.text
    assert babel_money(4900, "EUR", locale.replace("-", "_")) in msg.text


@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
def test_html_escapes_what_the_debtor_or_tenant_typed(renderer, template):
    ctx = make_ctx(template, "email", debtor_name="<script>alert(1)</script>", tenant_name="Fish & <Chips>")
    msg = renderer.render(ctx)
    assert "<script>" not in msg.html and "<Chips>" not in msg.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in msg.html
    assert "Fish &amp; &lt;Chips&gt;" in msg.html
    assert "<script>alert(1)</script>" in msg.text  # plain text is not HTML: shown as typed


def test_html_is_a_single_mobile_friendly_column_with_a_big_button(renderer):
    page = renderer.render(make_ctx("can_we_help", "email")).html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "max-width:600px" in page
    assert "<style" not in page and "<script" not in page
    button = page.split(f'<a href="{escape(PORTAL)}"', 1)[1].split("</a>", 1)[0]
    assert "display:block" in button and "padding:16px" in button
    assert 'href="mailto:help@acme.example"' in page


def test_subject_is_one_line_even_when_a_name_is_not(renderer):
    msg = renderer.render(make_ctx("can_we_help", "email", tenant_name="Acme\r\n  Cloud"))
    assert msg.subject == "Can we help with your Acme Cloud balance?"


def test_no_support_email_means_no_support_line(renderer):
    msg = renderer.render(make_ctx("can_we_help", "email", support_email=None))
    assert "Questions?" not in msg.text and "mailto:" not in msg.html
    assert "reply to this email" in msg.text


@pytest.mark.parametrize("lang", LOCALES)
def test_thank_you_after_full_payment_has_no_amount_to_pay(renderer, lang):
    msg = renderer.render(make_ctx("thank_you", "email", LOCALES[lang], balances=(), invoices=()))
    assert babel_money(4900, "EUR", LOCALES[lang]) not in msg.text
    assert PORTAL in msg.text and EMAIL_OPT_OUT[lang] in msg.text
    assert lint_message(msg.text, "email", LOCALES[lang]) == []


@pytest.mark.parametrize(
    ("template", "channel"),
    [
        ("shout_at_them", "email"),
        ("heads_up", "sms"),
        ("sms_nudge", "email"),
        ("../email/en/heads_up", "email"),
        ("heads_up", "fax"),
    ],
)
def test_unknown_template_is_refused(renderer, template, channel):
    with pytest.raises(UnknownTemplate) as caught:
        renderer.render(make_ctx(template, channel))
    assert isinstance(caught.value, KeyError)
    assert (caught.value.template, caught.value.channel) == (template, channel)
    assert template in str(caught.value)


# --- link pages -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "expected"), [
    ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", ["fr-CH", "fr", "en", "de"]),
    ("de;q=0.5, es", ["es", "de"]),
    ("en;q=0, es;q=bad", []),
    (None, []),
])
def test_accept_language_is_read_most_wanted_first(header, expected):
    from chalicelib.adapters.templates_jinja import accepted_languages

    assert accepted_languages(header) == expected


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de"])
def test_every_link_page_has_its_words_in_every_language(lang):
    from chalicelib.adapters.templates_jinja import JinjaRenderer

    renderer = JinjaRenderer()
    for kind in ("unsubscribe", "unsubscribed", "invalid", "expired"):
        html, used = renderer.render_page(kind, [f"{lang}-XX"], form_action="tok" if kind == "unsubscribe" else None)
        assert used == lang and f'<html lang="{lang}">' in html and "<h1" in html


def test_a_link_page_falls_back_to_english_and_escapes_the_form_action():
    from chalicelib.adapters.templates_jinja import JinjaRenderer

    html, used = JinjaRenderer().render_page("unsubscribe", ["ja-JP"], form_action='x"><script>')
    assert used == "en" and "<script>" not in html and "Stop reminder emails" in html


@pytest.mark.parametrize(("lang", "words"), [("en", "is a trading name of"), ("es", "es un nombre comercial de"),
                                             ("fr", "est un nom commercial de"), ("de", "ist ein Handelsname von")])
def test_a_brand_is_signed_with_the_legal_name_behind_it(renderer, lang, words):
    msg = renderer.render(make_ctx("gentle_reminder", "email", lang, tenant_name="Acme Cloud",
                                   legal_name="Acme Holdings & Co Ltd"))
    assert f"Acme Cloud {words} Acme Holdings & Co Ltd." in msg.text
    assert f"Acme Cloud {words} Acme Holdings &amp; Co Ltd." in msg.html


def test_a_tenant_without_a_brand_has_no_trading_name_line(renderer):
    msg = renderer.render(make_ctx("gentle_reminder", "email"))
    assert "trading name" not in msg.text and "trading name" not in msg.html
