"""Plan and settlement messages, and the reminders that mention plans: every template, in every language, with
and without a plan, with and without an offer, says only what the account can do, and the linter proves it."""

from __future__ import annotations

import html
import itertools
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency, get_currency_precision

from chalicelib.adapters.templates_jinja import JinjaRenderer, MissingMessageData
from chalicelib.domain.messages import (
    InstalmentLine,
    MessageContext,
    PromiseTerms,
    SettlementTerms,
    next_instalment,
)
from chalicelib.domain.offers import Offers
from chalicelib.domain.wording import is_gsm7, lint_message, sms_segments

pytestmark = pytest.mark.unit

LOCALES = {"en": "en-US", "es": "es-ES", "fr": "fr-FR", "de": "de-DE"}
REMINDERS = {"email": ("heads_up", "gentle_reminder", "plan_offer", "can_we_help", "final_notice_kind", "thank_you"),
             "sms": ("sms_nudge", "sms_reminder")}
# The reminders that tell the debtor about plans when (and only when) one is possible.
MENTION_PLANS = {"heads_up", "plan_offer", "can_we_help", "final_notice_kind", "sms_reminder"}
PLAN_MESSAGES = {"email": ("plan_confirmed", "instalment_heads_up", "instalment_missed", "plan_ended"),
                 "sms": ("instalment_heads_up", "instalment_missed")}
SETTLEMENT_MESSAGES = {"email": ("settlement_offer", "settlement_confirmed"), "sms": ()}
# The one follow-up after a broken promise: it names the promise, so it needs one in its context.
PROMISE_MESSAGES = {"email": ("promise_missed",), "sms": ("promise_missed",)}
PORTAL = "https://pay.kindly.example/p/acc_7f3a9c2e?e=1797379200&s=9f86d081"
UNSUBSCRIBE = "https://pay.kindly.example/u/acc_7f3a9c2e?e=1797379200&s=2c26b46b"
LONG_TENANT = "Northwind Cloud Accounting Services GmbH"
STOP_LINE = {"en": "Reply STOP to opt out", "es": "Responda STOP para darse de baja",
             "fr": "Répondez STOP pour vous désabonner", "de": "Antworten Sie STOP zum Abmelden"}


def schedule(total: int, currency: str, count: int = 3, missed: int | None = 2) -> tuple[InstalmentLine, ...]:
    """Instalments summing exactly to `total`; the minor units that do not divide go to the earliest ones."""
    base, extra = divmod(total, count)
    rows = []
    for i in range(count):
        status = "paid" if i == 0 else "missed" if i + 1 == missed else "due"
        amount = base + (1 if i < extra else 0)
        rows.append(InstalmentLine(i + 1, date(2026, 12 + i, 5) if i == 0 else date(2027, i, 5), amount, currency,
                                   amount if status == "paid" else 0, status))
    return tuple(rows)


ROWS = schedule(4900, "EUR")
OFFER = SettlementTerms(4410, "EUR", date(2026, 12, 31))
PROMISE = PromiseTerms(3000, "EUR", date(2026, 12, 10))


def make_ctx(template: str, channel: str, locale: str, *, plan: bool, offer: bool, **changes) -> MessageContext:
    """`plan`: the account can take a plan, and for the plan messages it has one; `offer`: a settlement stands."""
    is_plan_message = template in PLAN_MESSAGES[channel]
    fields = dict(
        template=template, channel=channel, locale=locale, tenant_name="Acme Cloud", tenant_role="first_party",
        support_email="help@acme.example", debtor_name="Ana García", balances=((4900, "EUR"),), invoices=(),
        due_on=date(2026, 11, 15), portal_url=PORTAL, unsubscribe_url=UNSUBSCRIBE,
        plan_possible=plan, instalments=ROWS if plan and is_plan_message else (),
        next_instalment=next_instalment(ROWS) if plan and is_plan_message else None,
        settlement=OFFER if offer else None, promise=PROMISE if template in PROMISE_MESSAGES[channel] else None,
    )
    fields.update(changes)
    return MessageContext(**fields)


@pytest.fixture(scope="module")
def renderer() -> JinjaRenderer:
    return JinjaRenderer()


def parts(msg) -> list[str]:
    """Every part a debtor may read: the text, the HTML as read (entities resolved), the subject."""
    found = [msg.text]
    if msg.html is not None:
        found += [html.unescape(msg.html), msg.subject]
    return found


def problems(msg, channel: str, locale: str, can: Offers) -> list[str]:
    opt_out = {"email": "Unsubscribe", "sms": "STOP"}[channel]  # the subject alone carries no opt-out line
    return [p for part in parts(msg) for p in lint_message(f"{part}\n{opt_out}", channel, locale, can=can)]


CASES = [
    (channel, template, lang, plan, offer)
    for channel in ("email", "sms")
    for template in REMINDERS[channel] + PLAN_MESSAGES[channel] + SETTLEMENT_MESSAGES[channel]
    + PROMISE_MESSAGES[channel]
    for lang, plan, offer in itertools.product(LOCALES, (True, False), (True, False))
]


@pytest.mark.parametrize(("channel", "template", "lang", "plan", "offer"), CASES)
def test_every_message_offers_only_what_its_context_allows(renderer, channel, template, lang, plan, offer):
    locale = LOCALES[lang]
    ctx = make_ctx(template, channel, locale, plan=plan, offer=offer)
    needs_plan = template in PLAN_MESSAGES[channel]
    needs_offer = template in SETTLEMENT_MESSAGES[channel]
    if (needs_plan and not plan) or (needs_offer and not offer):
        # A plan message with no plan, or an offer with no terms, is never written.
        with pytest.raises(MissingMessageData, match=template):
            renderer.render(ctx)
        return
    msg = renderer.render(ctx)

    # With what its context allows, every part passes the linter.
    assert problems(msg, channel, locale, ctx.offers) == []

    # Without a plan, the message must not talk about one: the linter, told nothing is on offer, proves it.
    without_plan = problems(msg, channel, locale, Offers(plan=False, settlement=ctx.offers.settlement))
    plan_words = [p for p in without_plan if p.startswith("offers a payment plan")]
    assert bool(plan_words) is (needs_plan or (plan and template in MENTION_PLANS)), without_plan

    # Settlement wording appears exactly in the settlement messages, never as a side note elsewhere.
    without_offer = problems(msg, channel, locale, Offers(plan=ctx.offers.plan, settlement=False))
    assert bool(without_offer) is needs_offer, without_offer


@pytest.mark.parametrize("lang", LOCALES)
def test_plan_offer_without_a_possible_plan_asks_what_the_debtor_can_manage(renderer, lang):
    honest = renderer.render(make_ctx("plan_offer", "email", LOCALES[lang], plan=False, offer=False))
    offering = renderer.render(make_ctx("plan_offer", "email", LOCALES[lang], plan=True, offer=False))
    assert honest.subject != offering.subject and honest.text != offering.text
    assert PORTAL in honest.text
    replies = {"en": "reply to this email", "es": "responda a este correo", "fr": "répondez à cet e-mail",
               "de": "Antworten Sie auf diese E-Mail"}
    assert replies[lang] in honest.text and replies[lang] not in offering.text


def babel_money(minor: int, currency: str, locale: str) -> str:
    major = Decimal(minor).scaleb(-get_currency_precision(currency))
    return format_currency(major, currency, locale=locale.replace("-", "_"))


def babel_date(day: date, locale: str) -> str:
    return format_date(day, format="long", locale=locale.replace("-", "_"))


# Two, none and three decimals: cents, whole yen, Kuwaiti fils. 100.000 KWD in three: 33.334, 33.333, 33.333.
CURRENCIES = {"EUR": 10000, "JPY": 10000, "KWD": 100000}


def schedule_table(page: str) -> ET.Element:
    """The schedule <table> of an HTML email, parsed as XML: it fails unless every element is closed and nested."""
    start = page.index("<table style=\"width:100%;border-collapse:collapse;")
    end = page.index("</table>", start) + len("</table>")
    return ET.fromstring(page[start:end])  # noqa: S314 - our own rendered output, not untrusted input


@pytest.mark.parametrize(("currency", "lang"), list(itertools.product(CURRENCIES, LOCALES)))
def test_plan_confirmed_lists_every_instalment_with_its_date_and_amount(renderer, currency, lang):
    locale = LOCALES[lang]
    rows = schedule(CURRENCIES[currency], currency, count=3, missed=None)
    assert sum(row.amount for row in rows) == CURRENCIES[currency]
    ctx = make_ctx("plan_confirmed", "email", locale, plan=True, offer=False,
                   balances=((CURRENCIES[currency], currency),), instalments=rows, next_instalment=rows[1])
    msg = renderer.render(ctx)

    table = schedule_table(msg.html)
    assert table.find("caption") is not None and (table.find("caption").text or "").strip()
    headers = table.findall("./thead/tr/th")
    assert len(headers) == 3 and all(th.get("scope") == "col" for th in headers)
    body_rows = table.findall("./tbody/tr")
    assert len(body_rows) == len(rows)
    lines = msg.text.splitlines()
    for row, tr in zip(rows, body_rows, strict=True):
        cells = list(tr)
        assert cells[0].tag == "th" and cells[0].get("scope") == "row" and cells[0].text == str(row.n)
        when, amount = (cell.text for cell in cells[1:])
        assert when == babel_date(row.due_on, locale)
        assert amount == babel_money(row.amount, currency, locale)
        # The text table has the same row, columns in the same order, on one line.
        line = next(line for line in lines if line.startswith(f"{row.n} "))
        assert line.index(when) < line.index(amount), line
    assert babel_money(CURRENCIES[currency], currency, locale) in msg.text  # the total


def test_the_text_schedule_lines_up(renderer):
    msg = renderer.render(make_ctx("plan_confirmed", "email", "en-US", plan=True, offer=False))
    block = [line for line in msg.text.splitlines() if line.startswith(("No.", "1 ", "2 ", "3 "))]
    assert len(block) == 4
    assert len({line.index(babel_money(ROWS[0].amount, "EUR", "en-US")[:1]) for line in block[1:]}) == 1
    assert len({len(line) for line in block}) == 1  # amounts are right-aligned under their header


@pytest.mark.parametrize("lang", LOCALES)
def test_instalment_messages_name_the_right_instalment(renderer, lang):
    locale = LOCALES[lang]
    heads_up = renderer.render(make_ctx("instalment_heads_up", "email", locale, plan=True, offer=False))
    due = next_instalment(ROWS)
    assert due is not None and due.n == 2
    assert babel_money(due.amount, "EUR", locale) in heads_up.text and babel_date(due.due_on, locale) in heads_up.text

    third_missed = schedule(4900, "EUR", missed=3)
    missed = renderer.render(make_ctx("instalment_missed", "email", locale, plan=True, offer=False,
                                      instalments=third_missed, next_instalment=third_missed[1]))
    assert babel_date(third_missed[2].due_on, locale) in missed.text
    with pytest.raises(MissingMessageData, match="missed"):
        renderer.render(make_ctx("instalment_missed", "email", locale, plan=True, offer=False,
                                 instalments=schedule(4900, "EUR", missed=None)))


@pytest.mark.parametrize("lang", LOCALES)
def test_a_settlement_offer_states_the_exact_amount_and_last_day(renderer, lang):
    locale = LOCALES[lang]
    terms = SettlementTerms(33333, "KWD", date(2027, 1, 15))
    msg = renderer.render(make_ctx("settlement_offer", "email", locale, plan=False, offer=True, settlement=terms,
                                   balances=((37037, "KWD"),)))
    for part in (msg.text, html.unescape(msg.html)):
        assert babel_money(33333, "KWD", locale) in part
        assert babel_date(date(2027, 1, 15), locale) in part
    assert babel_money(33333, "KWD", locale) in msg.subject


@pytest.mark.parametrize("lang", LOCALES)
def test_a_broken_plan_says_what_happens_next_and_offers_a_new_plan_only_when_possible(renderer, lang):
    locale = LOCALES[lang]
    new_plan = {"en": "including a new plan", "es": "incluido un nuevo plan", "fr": "y compris un nouvel échéancier",
                "de": "auch ein neuer Ratenplan"}[lang]
    possible = renderer.render(make_ctx("plan_ended", "email", locale, plan=True, offer=False))
    impossible = renderer.render(make_ctx("plan_ended", "email", locale, plan=True, offer=False, plan_possible=False))
    assert new_plan in possible.text and new_plan not in impossible.text
    assert PORTAL in impossible.text and babel_money(4900, "EUR", locale) in impossible.text


@pytest.mark.parametrize(("template", "lang", "role"),
                         list(itertools.product(PLAN_MESSAGES["sms"], LOCALES, ("first_party", "third_party"))))
def test_instalment_sms_fit_two_segments_and_end_with_stop(renderer, template, lang, role):
    locale = LOCALES[lang]
    rows = schedule(12345678, "EUR")
    ctx = make_ctx(template, "sms", locale, plan=True, offer=False, tenant_name=LONG_TENANT, tenant_role=role,
                   instalments=rows, next_instalment=rows[1])
    msg = renderer.render(ctx)
    assert LONG_TENANT in msg.text and PORTAL in msg.text
    assert " ".join(babel_money(rows[1].amount, "EUR", locale).split()) in msg.text
    assert is_gsm7(msg.text) and sms_segments(msg.text) <= 2
    assert msg.text.endswith(STOP_LINE[lang])
    assert lint_message(msg.text, "sms", locale, can=ctx.offers) == []


@pytest.mark.parametrize(("channel", "lang"), list(itertools.product(("email", "sms"), LOCALES)))
def test_a_broken_promise_gets_its_own_follow_up_naming_the_amount_and_the_day(renderer, channel, lang):
    locale = LOCALES[lang]
    promise = PromiseTerms(123456, "EUR", date(2027, 2, 26))
    msg = renderer.render(make_ctx("promise_missed", channel, locale, plan=False, offer=False, promise=promise,
                                   tenant_name=LONG_TENANT))
    amount = babel_money(123456, "EUR", locale)
    if channel == "sms":
        day = format_date(date(2027, 2, 26), format="medium", locale=locale.replace("-", "_"))
        assert " ".join(amount.split()) in msg.text and " ".join(day.split()) in " ".join(msg.text.split())
        assert is_gsm7(msg.text) and sms_segments(msg.text) <= 2 and msg.text.endswith(STOP_LINE[lang])
    else:
        for part in (msg.text, html.unescape(msg.html)):
            assert amount in part and babel_date(date(2027, 2, 26), locale) in part
        assert amount in msg.subject
    assert PORTAL in msg.text
    # Kind, and no threat, nothing fake-legal, no offer the account cannot take: the linter finds nothing.
    assert problems(msg, channel, locale, Offers(plan=False, settlement=False)) == []
    # It is not any other reminder: can_we_help says nothing of a promise.
    other = renderer.render(make_ctx("can_we_help" if channel == "email" else "sms_reminder", channel, locale,
                                     plan=False, offer=False, promise=promise))
    assert amount not in other.text


def test_a_promise_follow_up_without_a_promise_is_never_written(renderer):
    with pytest.raises(MissingMessageData, match="promise"):
        renderer.render(make_ctx("promise_missed", "email", "en-US", plan=False, offer=False, promise=None))


@pytest.mark.parametrize("template", ["instalment_heads_up", "gentle_reminder"])
def test_while_a_plan_runs_no_email_asks_for_a_whole_invoice(renderer, template):
    from chalicelib.domain.messages import InvoiceLine

    invoice = InvoiceLine("INV-1", 4900, "EUR", date(2026, 11, 15), "https://pay.example/inv-1")
    during = renderer.render(make_ctx(template, "email", "en-US", plan=True, offer=False, invoices=(invoice,),
                                      plan_active=True))
    after = renderer.render(make_ctx(template, "email", "en-US", plan=True, offer=False, invoices=(invoice,),
                                     plan_active=False))  # the plan ended: each invoice is payable again

    assert "INV-1" in during.text and "https://pay.example/inv-1" not in during.text + (during.html or "")
    assert "https://pay.example/inv-1" in after.text and "https://pay.example/inv-1" in (after.html or "")
