"""The page's FAQ in each language: native <details> (no script), and answers true for the account — it says a
plan can be made here only when one can (the wording linter's `can=` rule)."""

from __future__ import annotations

import copy
import re
from html import unescape

import pytest

from chalicelib.domain.offers import Offers
from chalicelib.domain.wording import lint_message
from tests.support.samples import POLICY
from tests.unit.services.conftest import ACCOUNT_ID, put_account

LANGUAGES = ("en", "es", "fr", "de")
QUESTIONS = ("faq-next", "faq-parts", "faq-cant-pay", "faq-scam", "faq-stop")


def no_plans_policy(policies, tenant):
    body = copy.deepcopy(POLICY)
    body["plans"]["frequencies"] = []
    body["steps"] = [s for s in body["steps"] if s.get("template") != "plan_offer"]
    policies.put(tenant.tenant_id, "noplans", body)


def faq(container, links, faked, tenant, lang):
    token = links.portal_url(tenant.tenant_id, ACCOUNT_ID, faked.clock.now()).rsplit("/p/", 1)[1]
    view = container.portal.view(token)
    context = {**view.page(), "token": token, "unsubscribe_url": "https://k.example/u/x", "notice": None,
               "error": None, "quote": None, "nonce": "n0nce", "here": "/p/" + token}
    html, served = container.renderer.render_portal(context, lang)
    assert served == lang
    section = html[html.index('<section aria-labelledby="faq">'):]
    section = section[:section.index("</section>")]
    answers = dict(re.findall(r'<details id="([\w-]+)"><summary>.*?</summary>\s*<p>(.*?)</p>', section, re.S))
    return html, {key: unescape(" ".join(text.split())) for key, text in answers.items()}, view.page()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_question_is_answered_without_script_and_what_is_promised_is_open_to_the_account(
        container, links, accounts, faked, tenant, lang):
    put_account(accounts, tenant)
    html, answers, page = faq(container, links, faked, tenant, lang)

    assert tuple(answers) == QUESTIONS and all(answers.values())
    assert "<script" not in html and " style=" not in html
    assert page["can_plan"] and page["can_pause"]
    for answer in answers.values():
        assert lint_message(answer + " unsubscribe", "email", lang, can=Offers(plan=True)) == []
    assert "STOP" in answers["faq-stop"]  # Ana gave SMS consent


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_a_plan_on_offer_no_answer_offers_one(container, links, accounts, policies, faked, tenant, lang):
    no_plans_policy(policies, tenant)
    put_account(accounts, tenant, policy="noplans")
    _html, answers, page = faq(container, links, faked, tenant, lang)

    assert not page["can_plan"]
    for key, answer in answers.items():
        assert lint_message(answer + " unsubscribe", "email", lang) == [], key
    assert "billing@acme.example.com" in answers["faq-parts"]  # a person, not a form, for what the page cannot do


def test_the_answers_follow_the_account(container, links, accounts, faked, tenant):
    put_account(accounts, tenant, phone=None, sms_consent=None)
    _html, answers, _page = faq(container, links, faked, tenant, "en")
    assert "STOP" not in answers["faq-stop"]  # no texts are sent, so none to answer
    assert "Pay in instalments" in answers["faq-parts"]
    assert "I need a pause" in answers["faq-cant-pay"]
    assert answers["faq-next"].startswith("If nothing changes, our next reminder will come on")
