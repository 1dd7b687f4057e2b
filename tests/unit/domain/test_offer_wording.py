"""A message may only offer what the account can take: the linter's offer rules, the domain deciding what an
account can be offered, and the policy rule that a policy allowing no plan cannot schedule plan_offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.messages import (
    InstalmentLine,
    MessageContext,
    SettlementTerms,
    instalment_lines,
    next_instalment,
    settlement_terms,
)
from chalicelib.domain.offers import NOTHING, Offers, offers_for, plan_possible, policy_allows_plans, settlement_stands
from chalicelib.domain.policies import ESCALATE, STANDARD, Policy, Step, validate_policy
from chalicelib.domain.wording import lint_message

pytestmark = pytest.mark.unit

FOOTER = {
    "en": "Unsubscribe here.",
    "es": "Puede darse de baja aquí.",
    "fr": "Désabonnez-vous ici.",
    "de": "Hier können Sie sich abmelden.",
}
PLAN_WORDING = [
    ("en", "You can spread the payment over three months.", "spread the payment over"),
    ("en", "Set up a payment plan on your page.", "payment plan"),
    ("en", "Pay in instalments if that helps.", "pay in instalments"),
    ("en", "Would smaller payments help?", "smaller payments"),
    ("es", "Puede pagar en cuotas.", "cuotas"),
    ("es", "Cree un plan de pagos en su página.", "plan de pagos"),
    ("es", "Puede fraccionar el pago.", "fraccionar"),
    ("fr", "Vous pouvez étaler le paiement.", "étaler"),
    ("fr", "Mettez en place un échéancier.", "échéancier"),
    ("fr", "Payez en plusieurs fois.", "en plusieurs fois"),
    ("de", "Sie können in Raten zahlen.", "raten"),
    ("de", "Richten Sie einen Ratenplan ein.", "ratenplan"),
    ("de", "Eine Teilzahlung ist möglich.", "teilzahlung"),
]
SETTLEMENT_WORDING = [
    ("en", "You could settle for less today.", "settle for less"),
    ("en", "Pay by Friday and we will consider the account settled.", "consider the account settled"),
    ("en", "We offer a discount on your balance.", "discount"),
    ("es", "Le ofrecemos un descuento.", "descuento"),
    ("es", "Pague un importe reducido.", "importe reducido"),
    ("fr", "Nous vous proposons une remise.", "remise"),
    ("fr", "Réglez un montant réduit.", "montant réduit"),
    ("de", "Wir bieten Ihnen einen Nachlass.", "nachlass"),
    ("de", "Dann betrachten wir den Betrag als beglichen.", "als beglichen"),
]
INNOCENT = [
    ("en", "Your invoice of €49.00 is due on 5 December. Your account is fully settled once it is paid."),
    ("en", "We plan to write again next week; the exchange rate does not change what you owe."),
    ("es", "Factura INV-1: 49,00 €, con vencimiento el 15 de noviembre."),
    ("fr", "Facture INV-1 : 49,00 €, échéance le 15 novembre 2026. Vous pouvez payer dès maintenant."),
    ("de", "Rechnung INV-1: 49,00 €, fällig am 15. November 2026. Bitte zahlen Sie bis dahin."),
]


def email(lang: str, body: str) -> str:
    return f"{body}\n\n{FOOTER[lang]}"


@pytest.mark.parametrize(("lang", "body", "word"), PLAN_WORDING)
def test_plan_wording_is_refused_unless_the_account_can_take_a_plan(lang, body, word):
    problems = lint_message(email(lang, body), "email", lang)
    assert any(p.startswith("offers a payment plan") and repr(word) in p and "1692e(10)" in p for p in problems), (
        problems)
    assert lint_message(email(lang, body), "email", lang, can=Offers(plan=True)) == []
    # A settlement offer does not make a plan possible.
    assert lint_message(email(lang, body), "email", lang, can=Offers(settlement=True)) == problems


@pytest.mark.parametrize(("lang", "body", "word"), SETTLEMENT_WORDING)
def test_settlement_wording_is_refused_without_an_offer(lang, body, word):
    problems = lint_message(email(lang, body), "email", lang)
    assert any(p.startswith("offers a settlement") and repr(word) in p and "CONC" in p for p in problems), problems
    assert lint_message(email(lang, body), "email", lang, can=Offers(settlement=True)) == []
    assert lint_message(email(lang, body), "email", lang, can=Offers(plan=True)) == problems


@pytest.mark.parametrize(("lang", "body"), INNOCENT)
def test_ordinary_reminder_wording_is_not_taken_for_an_offer(lang, body):
    assert lint_message(email(lang, body), "email", lang) == []


def test_offer_rules_apply_to_sms_too_and_the_default_offers_nothing():
    text = "Acme: pay in instalments or settle for less: https://x.example/p/1 Reply STOP to opt out"
    assert len(lint_message(text, "sms", "en")) == 2
    assert lint_message(text, "sms", "en", can=NOTHING) == lint_message(text, "sms", "en")
    assert lint_message(text, "sms", "en", can=Offers(plan=True, settlement=True)) == []


PLANS = {"max_instalments": 6, "min_instalment": 1000, "frequencies": ["monthly"]}


@pytest.mark.parametrize(
    ("plans", "allowed"),
    [
        (PLANS, True),
        ({**PLANS, "frequencies": []}, False),
        ({**PLANS, "max_instalments": 1}, False),
        ({**PLANS, "max_instalments": 2}, True),
        ({}, False),
        (None, False),
    ],
)
def test_a_policy_allows_plans_with_a_frequency_and_two_instalments(plans, allowed):
    assert policy_allows_plans(plans) is allowed


def test_a_plan_is_possible_when_some_balance_makes_two_minimum_instalments():
    assert plan_possible([2000], PLANS)
    assert not plan_possible([1999], PLANS)
    assert plan_possible([500, 2000], PLANS)  # one currency is enough
    assert not plan_possible([], PLANS)
    assert not plan_possible([10**9], {**PLANS, "frequencies": []})
    assert plan_possible([2], {**PLANS, "min_instalment": 0})  # each instalment is still at least one minor unit
    assert not plan_possible([1], {**PLANS, "min_instalment": 0})


@dataclass
class _Offer:  # the shape domain/settlement.py will have
    amount: int
    currency: str
    valid_until: date
    accepted_at: datetime | None = None


TODAY = date(2026, 12, 5)


@pytest.mark.parametrize(
    ("offer", "stands"),
    [
        (None, False),
        ({"amount": 4410, "currency": "EUR", "valid_until": "2026-12-05", "accepted_at": None}, True),
        ({"amount": 4410, "currency": "EUR", "valid_until": "2026-12-04", "accepted_at": None}, False),
        ({"amount": 4410, "currency": "EUR", "valid_until": "2026-12-31", "accepted_at": "2026-12-01T10:00:00Z"},
         False),
        (_Offer(4410, "EUR", date(2026, 12, 31)), True),
        (_Offer(4410, "EUR", datetime(2026, 12, 5, 23, 0, tzinfo=UTC)), True),
        (_Offer(4410, "EUR", date(2026, 12, 31), accepted_at=datetime(2026, 12, 2, tzinfo=UTC)), False),
    ],
)
def test_a_settlement_stands_until_its_last_day_and_only_while_not_accepted(offer, stands):
    assert settlement_stands(offer, TODAY) is stands


def test_offers_for_combines_both_decisions():
    offer = {"amount": 4410, "currency": "EUR", "valid_until": "2026-12-31", "accepted_at": None}
    assert offers_for([4900], PLANS, offer, TODAY) == Offers(plan=True, settlement=True)
    assert offers_for([1500], PLANS, None, TODAY) == NOTHING


def test_a_plan_and_an_offer_become_message_data_from_the_api_shapes():
    rows = [
        {"n": 1, "due_on": "2026-12-05", "amount": 1634, "paid": 1634, "status": "paid"},
        {"n": 2, "due_on": "2027-01-05", "amount": 1633, "paid": 0, "status": "missed"},
        {"n": 3, "due_on": date(2027, 2, 5), "amount": 1633, "paid": 0, "status": "due"},
    ]
    lines = instalment_lines(rows, "EUR")
    assert lines[0] == InstalmentLine(1, date(2026, 12, 5), 1634, "EUR", 1634, "paid")
    assert next_instalment(lines) == lines[1]
    assert next_instalment(lines[:1]) is None
    terms = settlement_terms({"amount": 4410, "currency": "EUR", "valid_until": "2026-12-31", "accepted_at": None})
    assert terms == SettlementTerms(4410, "EUR", date(2026, 12, 31))
    assert settlement_terms(None) is None


def _ctx(**changes) -> MessageContext:
    fields = dict(template="gentle_reminder", channel="email", locale="en", tenant_name="Acme",
                  tenant_role="first_party", support_email=None, debtor_name="Ana", balances=((4900, "EUR"),),
                  invoices=(),
                  due_on=date(2026, 11, 15), portal_url="https://p", unsubscribe_url="https://u")
    return MessageContext(**{**fields, **changes})


def test_a_context_offers_nothing_unless_told():
    assert _ctx().offers == NOTHING
    assert _ctx(plan_possible=True).offers == Offers(plan=True)
    line = InstalmentLine(1, date(2026, 12, 5), 4900, "EUR")
    assert _ctx(instalments=(line,)).offers == Offers(plan=True)
    assert _ctx(settlement=SettlementTerms(4410, "EUR", TODAY)).offers == Offers(settlement=True)


TEMPLATES = {"email": {"heads_up", "plan_offer"}, "sms": set()}


def _policy(plans: dict) -> Policy:
    return Policy("p", (Step(-3, "email", "heads_up"), Step(10, "email", "plan_offer"), Step(35, action=ESCALATE)),
                  plans=plans)


@pytest.mark.parametrize("plans", [{**PLANS, "frequencies": []}, {**PLANS, "max_instalments": 1}, {}])
def test_a_policy_that_allows_no_plan_cannot_schedule_plan_offer(plans):
    with pytest.raises(InvalidInput) as caught:
        validate_policy(_policy(plans), TEMPLATES)
    assert caught.value.field == "steps[1].template"
    assert "plan_offer" in str(caught.value) and "plans" in str(caught.value)


def test_a_policy_that_allows_plans_may_schedule_plan_offer_and_one_without_plans_may_not_offer():
    validate_policy(_policy(PLANS), TEMPLATES)
    standard_templates = {"email": {s.template or "" for s in STANDARD.steps if s.channel == "email"},
                          "sms": {"sms_nudge"}}
    validate_policy(STANDARD, standard_templates)  # the built-in policy allows plans and offers one
    no_plans = Policy("p", (Step(-3, "email", "heads_up"), Step(35, action=ESCALATE)),
                      plans={**PLANS, "frequencies": []})
    validate_policy(no_plans, TEMPLATES)
