"""What a debtor's text means (domain/sms_replies.py): the carriers' keywords in any case and dress, everything else
is words for a person; and the two working days a reply holds reminders for."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.accounts import Account
from chalicelib.domain.sms_replies import (
    HELP,
    START,
    STOP,
    InboundSms,
    debtor_replied,
    keyword_of,
    note_reply,
    reply_wait_until,
)

STOP_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT")


def no_holidays(_country, _region):
    return lambda _day: False


def madrid_account(**fields) -> Account:
    return Account("t1", "a1", "Ana", "es-ES", "standard", phone="+34600123456", timezone="Europe/Madrid",
                   country="ES", **fields)


@pytest.mark.parametrize("word", STOP_WORDS)
@pytest.mark.parametrize("dress", ["{}", "{}?", " {} ", "{}.", "¡{}!", "  {}!!  ", '"{}"', "{}\n"])
def test_every_stop_word_in_any_case_and_punctuation(word, dress):
    for cased in (word, word.lower(), word.capitalize()):
        assert keyword_of(dress.format(cased)) == STOP


@pytest.mark.parametrize(("text", "meaning"), [
    ("START", START), ("start", START), (" Unstop. ", START), ("UNSTOP", START),
    ("HELP", HELP), ("help?", HELP), ("Info", HELP), ("INFO!", HELP),
])
def test_start_and_help_words(text, meaning):
    assert keyword_of(text) == meaning


@pytest.mark.parametrize("text", [
    "stop texting me", "I paid yesterday", "", "   ", "!!!", "STOP STOP", "S T O P", "stopp", "helpful", "end of month",
])
def test_anything_else_is_words_for_a_person(text):
    assert keyword_of(text) is None


def test_the_body_decides_and_the_keyword_aws_matched_only_fills_in():
    assert InboundSms("i1", "+1", "+2", "stop", keyword="KEYWORD_1").meaning == STOP
    assert InboundSms("i1", "+1", "+2", "", keyword="HELP").meaning == HELP
    assert InboundSms("i1", "+1", "+2", "can I pay friday", keyword="KEYWORD_1").meaning is None


@pytest.mark.parametrize(("received", "until"), [
    # Tuesday 11:00 Madrid: Wednesday and Thursday are the two working days; reminders wait until Friday 00:00
    (datetime(2026, 12, 1, 10, 0, tzinfo=UTC), datetime(2026, 12, 3, 23, 0, tzinfo=UTC)),
    # Friday: Monday and Tuesday, then Wednesday 00:00
    (datetime(2026, 12, 4, 15, 0, tzinfo=UTC), datetime(2026, 12, 8, 23, 0, tzinfo=UTC)),
    # Saturday counts as no day at all
    (datetime(2026, 12, 5, 12, 0, tzinfo=UTC), datetime(2026, 12, 8, 23, 0, tzinfo=UTC)),
    # Late Sunday in UTC is already Monday in Madrid: Tuesday and Wednesday
    (datetime(2026, 12, 6, 23, 30, tzinfo=UTC), datetime(2026, 12, 9, 23, 0, tzinfo=UTC)),
])
def test_a_reply_holds_reminders_two_working_days_in_the_debtors_zone(received, until):
    assert reply_wait_until(madrid_account(), received, no_holidays) == until


def test_the_debtors_public_holidays_are_not_working_days():
    def spanish(_country, _region):
        return lambda day: day == date(2026, 12, 8)  # Inmaculada Concepción

    # Friday 4 December: Monday 7, (Tuesday 8 a holiday), Wednesday 9 -> Thursday 10 at 00:00 Madrid
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert reply_wait_until(madrid_account(), friday, spanish) == datetime(2026, 12, 9, 23, 0, tzinfo=UTC)


def test_noting_a_reply_audits_it_without_the_words_and_never_shortens_a_wait():
    account = madrid_account()
    later, earlier = datetime(2026, 12, 9, 23, tzinfo=UTC), datetime(2026, 12, 3, 23, tzinfo=UTC)
    now = datetime(2026, 12, 1, 10, tzinfo=UTC)
    note_reply(account, now, "in-1", later)
    note_reply(account, now, "in-2", earlier)
    assert account.awaiting_reply_until == later
    [first, second] = account.pending_events
    assert (first.type, first.actor) == ("debtor_replied", "debtor:sms")
    assert first.details == {"channel": "sms", "reply_id": "in-1", "reminders_wait_until": "2026-12-09T23:00:00Z"}
    assert second.details["reminders_wait_until"] == "2026-12-09T23:00:00Z"


def test_finance_hears_that_the_debtor_wrote_not_what():
    event = debtor_replied("t1", "a1", datetime(2026, 12, 1, 10, tzinfo=UTC), "in-1",
                           datetime(2026, 12, 3, 23, tzinfo=UTC))
    assert event["type"] == "debtor_replied" and event["account_id"] == "a1" and event["channel"] == "sms"
    assert event["event_id"] == debtor_replied("t1", "a1", datetime(2026, 12, 2, tzinfo=UTC), "in-1",
                                               datetime(2026, 12, 3, 23, tzinfo=UTC))["event_id"]
    assert set(event) == {"type", "event_id", "tenant_id", "account_id", "at", "channel", "reminders_wait_until"}
