"""A debtor's text (services/sms_replies.py) over the fakes: STOP for every account with the number in every
tenant, one confirmation and none for a repeat; START; HELP in the debtor's language; words kept for finance with
reminders held; unknown numbers and repeated notifications change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.accounts import SentRecord
from chalicelib.domain.errors import NotFound, PermanentSendError
from chalicelib.domain.messages import SENT
from chalicelib.domain.sms_replies import InboundSms
from chalicelib.domain.wording import lint_message, sms_segments
from tests.fakes import OutboxEntry
from tests.unit.services.conftest import ACCOUNT_ID, NOW, create_tenant, put_account, stored

PHONE = "+34600123456"  # the sample account's number


@pytest.fixture
def replies(container):
    return container.sms_replies


@pytest.fixture
def other(tenants):
    """A second tenant whose customer has the same number (a shared family phone, say)."""
    return create_tenant(tenants, name="Beta GmbH", sender_email="billing@beta.example.com", country="DE",
                         timezone="Europe/Berlin", locale="de-DE")


@pytest.fixture
def both(accounts, tenant, other):
    put_account(accounts, tenant)
    put_account(accounts, other, "beta-7", locale="de-DE", timezone="Europe/Berlin", country="DE")
    return tenant, other


def text(body, inbound_id="in-1", previous=None, phone=PHONE):
    return InboundSms(inbound_id, phone, "+12065550199", body, previous_message_id=previous)


def sent_before(faked, tenant, account_id, provider_id):
    """An SMS of ours to the account that SNS accepted under `provider_id` (what a reply names)."""
    faked.accounts.outbox[(tenant.tenant_id, account_id, f"msg_{provider_id}")] = OutboxEntry(
        f"msg_{provider_id}", SENT, 1, "2026-11-30T10:00:00Z", provider_message_id=provider_id)


def test_stop_opts_out_every_account_with_the_number_in_every_tenant_and_confirms_once(replies, faked, both):
    tenant, other = both
    assert replies.receive(text("Stop.")) == "opted_out"

    for owner, account_id in ((tenant, ACCOUNT_ID), (other, "beta-7")):
        assert stored(faked, owner, account_id).sms_opted_out
        [event] = [e for e in faked.accounts.events(owner.tenant_id, account_id) if e.type == "sms_opted_out"]
        assert (event.actor, event.details["reason"]) == ("debtor:sms", "stop_reply")
    [confirmation] = faked.sms.sent
    assert confirmation.phone == PHONE
    assert "START" in confirmation.text and "STOP" not in confirmation.text


def test_a_repeated_stop_sends_nothing_and_writes_nothing(replies, faked, both):
    replies.receive(text("STOP", "in-1"))
    before = faked.stored()
    assert replies.receive(text("quit", "in-2")) == "already_opted_out"
    assert list(faked.sms.sent) == before[6]  # no second confirmation
    assert faked.accounts.state() == before[0]


def test_the_confirmation_names_the_tenant_whose_text_was_answered_in_the_debtors_language(replies, faked, both):
    tenant, other = both
    sent_before(faked, other, "beta-7", "sns-beta-1")
    replies.receive(text("STOP", previous="sns-beta-1"))
    [confirmation] = faked.sms.sent
    assert confirmation.text == ("Sie erhalten keine SMS mehr von Beta GmbH zu diesem Konto. Antworten Sie START, um "
                                 "sie wieder zu erhalten.")
    assert confirmation.tags["tenant_id"] == other.tenant_id
    # the answer is in the outbox and the trail of the account it answered, like any SMS we send
    assert faked.accounts.audit_types(other.tenant_id, "beta-7")[-1] == "message_sent"


def test_start_gives_consent_again_from_the_reply_and_confirms(replies, faked, both):
    tenant, _other = both
    replies.receive(text("STOP", "in-1"))
    assert replies.receive(text(" unstop ", "in-2")) == "opted_in"

    account = stored(faked, tenant)
    assert not account.sms_opted_out
    assert (account.sms_consent.source, account.sms_consent.at) == ("sms-reply", NOW)
    assert "sms_opted_in" in faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)
    assert len(faked.sms.sent) == 2 and "STOP" in faked.sms.sent[-1].text
    assert replies.receive(text("START", "in-3")) == "already_opted_in"
    assert len(faked.sms.sent) == 2


def test_start_takes_the_number_off_the_providers_opt_out_list_even_when_kindly_never_heard_the_stop(
        replies, faked, both):
    faked.sms.opted_out.add(PHONE)  # the debtor's STOP reached SNS's own list, not Kindly

    assert replies.receive(text("START", "in-1")) == "already_opted_in"

    assert PHONE not in faked.sms.opted_out  # so the next reminder's check does not refuse the number


def test_help_answers_with_the_tenants_reply_to_before_its_support_address(replies, faked, tenants, accounts):
    brand = create_tenant(tenants, name="Acme Ltd", support_email="help@acme.example.com",
                          reply_to="ar@acme.example.com")
    put_account(accounts, brand)

    assert replies.receive(text("HELP")) == "help_sent"

    [answer] = faked.sms.sent
    assert "ar@acme.example.com" in answer.text and "help@acme.example.com" not in answer.text


@pytest.mark.parametrize(("locale", "words"), [
    ("en-US", "for help with this account write to help@acme.example.com or see"),
    ("es-ES", "para ayuda con esta cuenta escriba a help@acme.example.com o visite"),
    ("fr-FR", "pour toute aide sur ce compte, écrivez à help@acme.example.com ou consultez"),
    ("de-DE", "Hilfe zu diesem Konto unter help@acme.example.com oder auf"),
])
def test_help_gets_one_answer_naming_the_tenant_how_to_reach_them_and_the_page(replies, faked, tenants, accounts,
                                                                              locale, words):
    brand = create_tenant(tenants, name="Acme Ltd", display_name="Acme Cloud", support_email="help@acme.example.com")
    put_account(accounts, brand, locale=locale)

    assert replies.receive(text("help")) == "help_sent"

    [answer] = faked.sms.sent
    assert answer.text.startswith("Acme Cloud")
    assert words in answer.text
    [code] = faked.short_links.links  # the page's short link, stored with the answer that carries it
    assert code in answer.text
    assert lint_message(answer.text, "sms", locale) == [] and sms_segments(answer.text) <= 2
    assert not stored(faked, brand).sms_opted_out


def test_help_without_a_support_address_still_points_at_the_page(replies, faked, both):
    replies.receive(text("INFO"))
    [answer] = faked.sms.sent
    [code] = faked.short_links.links
    assert code in answer.text and "@" not in answer.text


def test_help_with_a_support_address_too_long_for_two_segments_still_gives_the_page(replies, faked, tenants,
                                                                                   accounts):
    address = "help@" + ".".join(label * 63 for label in "abc") + ".example.com"  # 211 characters
    long_one = create_tenant(tenants, support_email=address)
    put_account(accounts, long_one, locale="en-GB")

    assert replies.receive(text("HELP")) == "help_sent"

    [answer] = faked.sms.sent
    [code] = faked.short_links.links
    assert code in answer.text and address not in answer.text and sms_segments(answer.text) <= 2


def test_words_are_kept_for_finance_audited_without_them_and_hold_reminders(replies, faked, both, remind, container):
    tenant, other = both
    sent_before(faked, tenant, ACCOUNT_ID, "sns-acme-1")
    words = "I lost my job, can I pay in March?"

    assert replies.receive(text(words, previous="sns-acme-1")) == "reply_kept"

    [reply] = container.sms_replies.replies_to(tenant.tenant_id, ACCOUNT_ID)
    assert (reply.text, reply.reply_id, reply.received_at) == (words, "in-1", NOW)
    assert container.sms_replies.replies_to(other.tenant_id, "beta-7") == []
    trail = faked.accounts.events(tenant.tenant_id, ACCOUNT_ID)
    assert trail[-1].type == "debtor_replied" and words not in str(trail[-1].details)
    [event] = faked.notifier.events("debtor_replied")
    assert event["account_id"] == ACCOUNT_ID and words not in str(event)
    assert faked.sms.sent == []  # no automated answer: a person writes back

    # Tuesday 11:00 Madrid -> reminders wait until Friday 00:00 Madrid
    account = stored(faked, tenant)
    assert account.awaiting_reply_until == NOW.replace(day=3, hour=23)
    outcome = remind.process(tenant.tenant_id, ACCOUNT_ID)
    assert (outcome.kind, outcome.reason) == ("deferred", "awaiting_reply")
    assert faked.email.sent == []


def test_the_words_expire(replies, faked, both, container):
    tenant, _other = both
    sent_before(faked, tenant, ACCOUNT_ID, "sns-acme-1")
    replies.receive(text("call me", previous="sns-acme-1"))
    faked.clock.advance(timedelta(days=29))
    assert [r.text for r in container.sms_replies.replies_to(tenant.tenant_id, ACCOUNT_ID)] == ["call me"]
    faked.clock.advance(timedelta(days=2))
    assert container.sms_replies.replies_to(tenant.tenant_id, ACCOUNT_ID) == []


def test_replies_of_an_unknown_account_are_not_found(container, tenant):
    with pytest.raises(NotFound):
        container.sms_replies.replies_to(tenant.tenant_id, "nobody")


def test_an_unknown_number_writes_nothing(replies, faked, both):
    before = faked.stored()
    assert replies.receive(text("STOP", phone="+14255550182")) == "unknown_number"
    assert faked.stored() == before


@pytest.mark.parametrize("body", ["STOP", "HELP", "can we talk"])
def test_the_same_notification_twice_is_handled_once(replies, faked, both, body):
    first = replies.receive(text(body))
    before = faked.stored()
    assert replies.receive(text(body)) == "duplicate"
    assert faked.stored() == before
    assert first != "duplicate"


def test_a_refused_confirmation_is_audited_and_the_opt_out_stands(replies, faked, both):
    tenant, _other = both
    sent_before(faked, tenant, ACCOUNT_ID, "sns-acme-1")
    faked.sms.fail_next(PermanentSendError("InvalidParameter"))
    assert replies.receive(text("STOP", previous="sns-acme-1")) == "opted_out_unconfirmed"
    assert stored(faked, tenant).sms_opted_out
    failed = [e for e in faked.accounts.events(tenant.tenant_id, ACCOUNT_ID) if e.type == "message_failed"]
    assert [e.details["reason"] for e in failed] == ["InvalidParameter"]


def test_a_failure_part_way_lets_the_redelivery_finish_once(replies, faked, both):
    tenant, _other = both
    sent_before(faked, tenant, ACCOUNT_ID, "sns-acme-1")
    faked.notifier.fail_next(RuntimeError("SNS is down"))
    with pytest.raises(RuntimeError):
        replies.receive(text("can we talk", previous="sns-acme-1"))
    assert replies.receive(text("can we talk", previous="sns-acme-1")) == "reply_kept"  # SNS delivers it again
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID).count("debtor_replied") == 1
    assert len(faked.notifier.events("debtor_replied")) == 1


@pytest.mark.parametrize("last", ["acme", "beta"])
def test_without_the_message_it_answers_the_account_texted_last_is_the_one(replies, faked, both, last):
    tenant, other = both
    for owner, account_id, name in ((tenant, ACCOUNT_ID, "acme"), (other, "beta-7", "beta")):
        account = stored(faked, owner, account_id)
        ago = timedelta(hours=1) if name == last else timedelta(days=2)
        account.recent_sends = [SentRecord(NOW - ago, "sms", f"msg_{name}")]
        faked.accounts.save(account)

    replies.receive(text("HELP"))

    [answer] = faked.sms.sent
    assert answer.tags["tenant_id"] == (tenant if last == "acme" else other).tenant_id
