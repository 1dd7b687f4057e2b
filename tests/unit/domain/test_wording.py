"""The wording linter catches threats, fake legal wording and missing opt-outs; SMS length is counted right."""

from __future__ import annotations

import pytest

from chalicelib.domain.wording import gsm7_fold, is_gsm7, lint_message, sms_segments

pytestmark = pytest.mark.unit

EMAIL_FOOTER = {
    "en": "Don't want these emails? Unsubscribe here: https://x.example/u/1",
    "es": "¿No desea recibir estos correos? Puede darse de baja aquí: https://x.example/u/1",
    "fr": "Vous ne souhaitez plus recevoir ces e-mails ? Désabonnez-vous ici : https://x.example/u/1",
    "de": "Sie möchten diese E-Mails nicht mehr erhalten? Hier abmelden: https://x.example/u/1",
}
SMS_FOOTER = {
    "en": "Reply STOP to opt out",
    "es": "Responda STOP para darse de baja",
    "fr": "Répondez STOP pour vous désabonner",
    "de": "Antworten Sie STOP zum Abmelden",
}


def email(lang: str, body: str) -> str:
    return f"{body}\n\n{EMAIL_FOOTER[lang]}\n"


@pytest.mark.parametrize(
    ("lang", "body", "word"),
    [
        ("en", "Pay today or we will take legal action.", "legal action"),
        ("en", "We may SUE you for the balance.", "sue"),
        ("en", "A bailiff can visit your home.", "bailiff"),
        ("en", "Your wages could be garnished.", "garnished"),
        ("en", "Pay now, or else.", "or else"),
        ("en", "This is your final warning.", "final warning"),
        ("en", "We will add you to our blacklist.", "blacklist"),
        ("es", "Si no paga, iniciaremos acciones legales.", "acciones legales"),
        ("es", "Podemos embargar su nómina.", "embargar"),
        ("es", "Avisaremos a la policía.", "policía"),
        ("es", "Le incluiremos en el fichero de morosos.", "fichero de morosos"),
        ("fr", "Nous engagerons des poursuites judiciaires.", "poursuites judiciaires"),
        ("fr", "Un huissier passera chez vous.", "huissier"),
        ("fr", "Dernier avertissement avant saisie.", "dernier avertissement"),
        ("de", "Wir leiten rechtliche Schritte ein.", "rechtliche schritte"),
        ("de", "Es droht eine Lohnpfändung.", "lohnpfändung"),
        ("de", "Wir melden Sie der SCHUFA.", "schufa"),
        ("de", "Der Gerichtsvollzieher kommt.", "gerichtsvollzieher"),
    ],
)
def test_threats_are_caught(lang, body, word):
    problems = lint_message(email(lang, body), "email", lang)
    assert any(p.startswith("threatening language") and repr(word) in p for p in problems), problems
    assert all("FDCPA" in p for p in problems)


@pytest.mark.parametrize(
    ("lang", "body", "word"),
    [
        ("en", "OFFICIAL NOTICE: your account is overdue.", "official notice"),
        ("en", "A court order may follow.", "court order"),
        ("en", "This is a summons to pay.", "summons"),
        ("en", "We work with law enforcement.", "law enforcement"),
        ("es", "Notificación oficial de deuda.", "notificación oficial"),
        ("es", "Recibirá una orden judicial.", "orden judicial"),
        ("fr", "Ceci vaut mise en demeure.", "mise en demeure"),
        ("fr", "Avis officiel de paiement.", "avis officiel"),
        ("de", "Amtliche Mitteilung zu Ihrer Forderung.", "amtliche mitteilung"),
        ("de", "Ein Mahnbescheid wird beantragt.", "mahnbescheid"),
    ],
)
def test_fake_legal_or_official_wording_is_caught(lang, body, word):
    problems = lint_message(email(lang, body), "email", lang)
    assert any(p.startswith("fake legal or official wording") and repr(word) in p for p in problems), problems


def test_english_threats_are_caught_in_any_language():
    assert lint_message(email("es", "Tomaremos legal action."), "email", "es-ES")


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de"])
def test_an_email_without_an_unsubscribe_line_is_caught(lang):
    problems = lint_message("Hello, €49.00 is due. https://x.example/p/1", "email", lang)
    assert problems == [
        "missing opt-out line: an email must carry an unsubscribe line "
        "(Reg F 12 CFR 1006.6(e); CAN-SPAM 15 U.S.C. 7704(a)(3))"
    ]
    assert lint_message(email(lang, "Hello, €49.00 is due."), "email", lang) == []


@pytest.mark.parametrize("lang", ["en", "es", "fr", "de"])
def test_an_sms_without_stop_is_caught(lang):
    body = "Acme: 49,00 € is due. https://x.example/p/1"
    assert any(p.startswith("missing opt-out line") for p in lint_message(body, "sms", lang))
    assert lint_message(f"{body} {SMS_FOOTER[lang]}", "sms", lang) == []


def test_stop_must_be_the_literal_keyword():
    assert lint_message("Acme: we will stop reminding you soon", "sms")
    assert lint_message("Acme: text STOPPING to quit", "sms")


@pytest.mark.parametrize(
    ("lang", "body"),
    [
        ("en", "Thank you for your courtesy and patience."),
        ("en", "Your invoice was issued on 15 November 2026; it is covered by our warranty."),
        ("en", "Please excuse this courtesy note; our courtyard office is open."),
        ("es", "Sin embargo, puede pagar cuando quiera."),
        ("fr", "Un délai court ? Le seize novembre, vous pourrez payer. Sinon, faites une pause."),
        ("de", "Die Haftung bleibt unverändert; gerne helfen wir Ihnen."),
    ],
)
def test_innocent_text_is_not_flagged(lang, body):
    assert lint_message(email(lang, body), "email", lang) == []


def test_every_problem_is_reported():
    problems = lint_message("Official notice: pay or we will sue. Police informed.", "sms", "en-GB")
    assert len(problems) == 4
    assert sum(p.startswith("threatening language") for p in problems) == 2


def test_unknown_channel_is_an_error():
    with pytest.raises(ValueError, match="fax"):
        lint_message("hello", "fax")


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character costs two septets
        ("€" * 81, 2),
        ("a" * 159 + "€", 2),
        ("{}[]~|^\\" + "a" * 290, 2),  # 8 x 2 + 290 = 306 septets
        ("a" * 152 + "€" + "a" * 152, 3),  # an escape pair never straddles two segments
        ("Grüße aus Köln, señor, à demain", 1),  # accents in the GSM set stay GSM-7
    ],
)
def test_gsm7_segments(text, segments):
    assert is_gsm7(text)
    assert sms_segments(text) == segments


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("こんにちは" * 14, 1),  # 70 UCS-2 characters
        ("こんにちは" * 14 + "x", 2),
        ("a" * 100 + "ă", 2),  # one character outside GSM-7 turns the whole message into UCS-2
        ("a" * 133 + "ă", 2),  # 134: the most two UCS-2 segments hold
        ("a" * 134 + "ă", 3),
        ("😀" * 35, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_ucs2_segments(text, segments):
    assert not is_gsm7(text)
    assert sms_segments(text) == segments


def test_gsm7_fold_spells_accents_and_typography_the_gsm_way():
    assert gsm7_fold("Energía Côte – l’été…\u00a0¡Sí!") == "Energia Cote - l'été... ¡Si!"
    assert gsm7_fold("Grüße, Ñandú") == "Grüße, Ñandu"
    assert gsm7_fold("山田 太郎") == "山田 太郎"  # nothing close in GSM-7: kept as written
