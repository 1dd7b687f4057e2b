"""The timeline in plain words: every audit event type the app writes reads as its own English sentence, in the
debtor's local time; an unknown type or an unreadable event still reads as something, never an error."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.audit import AuditEvent, UnreadableEvent
from chalicelib.domain.plain_words import SENTENCES, in_plain_words, when_after

pytestmark = pytest.mark.unit

AT = datetime(2026, 12, 1, 21, 40, tzinfo=UTC)  # 22:40 in Madrid
ROOT = Path(__file__).resolve().parents[3] / "chalicelib"


def event(type_: str, details: dict[str, Any] | None = None, actor: str = "system") -> AuditEvent:
    return AuditEvent(1, AT, type_, actor, details or {}, "0" * 64, "1" * 64)


def words(type_: str, details: dict[str, Any] | None = None, actor: str = "system", zone: str = "Europe/Madrid"
          ) -> str:
    return in_plain_words(event(type_, details, actor), zone)


# One example of each event type the app records, with the details it records, and the sentence it reads as.
EXAMPLES: list[tuple[str, dict[str, Any], str, str]] = [
    ("account_created", {"balance": {"EUR": 4900}}, "api_key:k1",
     "Account created by your system, through the API: owes €49.00."),
    ("account_updated", {"balance": {"EUR": 4900, "USD": 1000}}, "api_key:k1",
     "Account updated by your system, through the API: owes €49.00 and US$10.00."),
    ("flag_set", {"flag": "hardship", "until": "2026-12-31"}, "user:usr_1",
     "Flag “hardship” set by a person in the console (user:usr_1) until Thu 31 Dec 2026."),
    ("flag_cleared", {"flag": "cease_contact", "until": None}, "debtor:portal",
     "Flag “cease contact” cleared by the debtor on their page."),
    ("dispute_opened", {"invoice_id": "INV-2", "note_given": True, "settlement_offer_withdrawn": True}, "user:u",
     "Invoice INV-2 disputed by a person in the console (user:u): reminders leave it out; the settlement offer "
     "is withdrawn."),
    ("dispute_resolved", {"invoice_id": "INV-2"}, "api_key:k1", "Dispute of invoice INV-2 lifted by your system, "
     "through the API."),
    ("message_deferred", {"channel": "email", "template": "gentle_reminder", "rule": "quiet_hours",
                          "until": "2026-12-02T08:00:00Z", "local_until": "2026-12-02T09:00:00+01:00"}, "system",
     "Reminder held back: 22:40 in Madrid, outside 08:00–21:00; sent next morning at 09:00."),
    ("message_withheld", {"channel": "sms", "template": "sms_nudge", "rule": "sms_opted_out", "step_spent": True},
     "system", "Text reminder not sent: the debtor opted out of texts; this step is skipped."),
    ("message_sent", {"channel": "email", "template": "gentle_reminder"}, "system",
     "Reminder (gentle reminder) sent by email at 22:40 in Madrid."),
    ("message_delayed", {"channel": "email", "template": "gentle_reminder",
                         "next_action_at": "2026-12-01T21:55:00Z"}, "system",
     "Reminder could not be sent just now; tried again later that day at 22:55."),
    ("message_failed", {"channel": "sms", "reason": "sms_opted_out"}, "system",
     "Text reminder could not be sent: the debtor opted out of texts."),
    ("message_not_resent", {"channel": "email", "template": "gentle_reminder"}, "system",
     "Reminder not sent again: it had already gone (a message goes at most once)."),
    ("escalated", {"step": "+35:escalate"}, "system",
     "Handed over to a person on your team (the policy's escalation step)."),
    ("finance_notified", {}, "system", "Your finance team was told."),
    ("steps_skipped", {"steps": ["-3:email:heads_up", "+1:email:gentle_reminder"]}, "system",
     "Reminder steps skipped (-3:email:heads_up, +1:email:gentle_reminder): a later step came due first, so only "
     "the latest is sent."),
    ("email_delivered", {"channel": "email"}, "ses", "Email delivered to the debtor's inbox."),
    ("email_opened", {"channel": "email"}, "ses", "Email opened by the debtor."),
    ("email_clicked", {"channel": "email"}, "ses", "The debtor clicked a link in the email."),
    ("email_bounced", {"channel": "email"}, "ses", "Email bounced: no more email goes to this address."),
    ("email_complained", {"channel": "email"}, "ses",
     "The debtor marked the email as spam: no more email goes to them."),
    ("email_unsubscribed", {"channel": "email"}, "debtor:one-click", "The debtor unsubscribed from email."),
    ("preferences_changed", {"language": "en"}, "debtor:portal",
     "The debtor changed their language or channels on their page."),
    ("payment_succeeded", {"amount": 4900, "currency": "EUR", "invoice_id": None}, "webhook:stripe",
     "Payment of €49.00 received (Stripe)."),
    ("payment_failed", {"amount": 4900, "currency": "EUR", "invoice_id": "INV-1"}, "webhook:gocardless",
     "Payment of €49.00 for invoice INV-1 failed (GoCardless)."),
    ("refund", {"amount": 1000, "currency": "GBP"}, "webhook:paddle",
     "Refund of £10.00 (Paddle): the balance reopens; reminders wait for a person."),
    ("chargeback", {"amount": 5800, "currency": "JPY"}, "webhook:stripe",
     "Chargeback of JP¥5,800 (Stripe): the balance reopens; reminders wait for a person."),
    ("plan_created", {"frequency": "monthly", "currency": "EUR", "total": 30000, "instalments": 3,
                      "first_on": "2026-12-10", "last_on": "2027-02-10"}, "user:u",
     "Payment plan agreed by a person in the console (user:u): €300.00 in 3 monthly instalments, Thu 10 Dec 2026 "
     "to Wed 10 Feb 2027."),
    ("plan_cancelled", {"currency": "EUR", "total": 30000, "paid": 10000}, "api_key:k1",
     "Payment plan cancelled by your system, through the API (€100.00 of €300.00 paid)."),
    ("plan_completed", {"currency": "EUR", "total": 30000, "instalments": 3}, "webhook:stripe",
     "Payment plan completed: €300.00 in 3 instalments."),
    ("plan_broken", {"missed": 2, "paid": 10000, "outstanding": 20000, "currency": "EUR"}, "system",
     "Payment plan broken: 2 instalments missed; €100.00 paid, €200.00 outstanding."),
    ("instalment_missed", {"n": 2, "due_on": "2026-12-10", "unpaid": 10000, "currency": "EUR"}, "system",
     "Instalment 2 due Thu 10 Dec 2026 missed: €100.00 unpaid."),
    ("promise_made", {"amount": 4900, "currency": "EUR", "by": "2026-12-10", "paused_until": "2026-12-13"},
     "debtor:portal", "Promise to pay €49.00 by Thu 10 Dec 2026 (the debtor on their page); reminders wait until "
     "Sun 13 Dec 2026."),
    ("promise_kept", {"amount": 4900, "currency": "EUR", "by": "2026-12-10"}, "webhook:stripe",
     "Promise kept: €49.00 paid by Thu 10 Dec 2026."),
    ("promise_broken", {"amount": 4900, "currency": "EUR", "by": "2026-12-10", "paid": 0}, "system",
     "Promise to pay €49.00 by Thu 10 Dec 2026 broken (€0.00 paid)."),
    ("settlement_offered", {"amount": 4410, "currency": "EUR", "valid_until": "2026-12-08"}, "system",
     "Settlement offered: €44.10 if paid by Tue 08 Dec 2026."),
    ("settlement_accepted", {"amount": 4410, "currency": "EUR", "valid_until": "2026-12-08"}, "debtor:portal",
     "Settlement of €44.10 accepted by the debtor on their page, to pay by Tue 08 Dec 2026."),
    ("settlement_lapsed", {"valid_until": "2026-12-08", "currency": "EUR"}, "system",
     "Settlement offer lapsed on Tue 08 Dec 2026."),
    ("settled_for_less", {"amount_paid": 4410, "forgiven": 490, "currency": "EUR"}, "webhook:stripe",
     "Settled for less: €44.10 paid, €4.90 forgiven."),
    ("resumed", {"was": "chargeback", "state": "active"}, "user:u",
     "Resumed by a person in the console (user:u) after chargeback: reminders go on."),
    ("sms_opted_out", {"reason": "STOP", "channel": "sms"}, "debtor:sms", "The debtor opted out of texts (STOP)."),
    ("sms_opted_in", {"source": "keyword", "channel": "sms"}, "debtor:sms", "The debtor agreed to texts (keyword)."),
    ("debtor_replied", {"channel": "sms", "reply_id": "r1"}, "debtor:sms",
     "The debtor replied by text: reminders wait until a person answers."),
]


@pytest.mark.parametrize(("type_", "details", "actor", "sentence"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_each_event_type_reads_as_its_own_sentence(type_, details, actor, sentence):
    assert words(type_, details, actor) == sentence


def test_every_type_has_a_sentence_and_an_example():
    assert sorted(SENTENCES) == sorted(e[0] for e in EXAMPLES)


def literal_record_types() -> set[str]:
    """The event types written as literals in `.record(when, TYPE, ...)` anywhere in the app (TYPE may be
    `"a" if ... else "b"`); computed types (constants, f-strings) are listed in the test below."""
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        for expression in re.findall(r"\.record\(\s*[\w.]+,\s*([^,]+),", path.read_text()):
            found |= set(re.findall(r"(?<![{\w])\"([a-z_]+)\"", expression))
    return found


def test_every_literal_event_type_in_the_app_has_a_sentence():
    from chalicelib.domain import disputes, notices, payments, sending

    computed = {*payments.KINDS, disputes.OPENED, disputes.RESOLVED, *sending.EVENT_FOR.values(),
                "email_delivered", "email_opened", "email_clicked", "email_bounced", "email_complained",
                "plan_completed", "promise_kept", "settled_for_less", notices.MISSED, notices.PLAN_BROKEN,
                "promise_broken", "settlement_offered", notices.SETTLEMENT_LAPSED}
    written = literal_record_types() | computed
    assert written, "no record( call found: the scan is broken"
    assert "account_created" in written and "message_deferred" in written
    assert written - set(SENTENCES) == set()


def test_an_unknown_type_gets_a_generic_sentence():
    assert words("ledger_reconciled", {"x": 1}, "api_key:k9") == \
        "Ledger reconciled (recorded by your system, through the API)."
    assert words("", {}, "") == "Something (recorded by someone)."


def test_an_unreadable_event_says_the_chain_breaks_there():
    sentence = in_plain_words(UnreadableEvent(4, "details is not JSON", {"type": "message_sent"}), "Europe/Madrid")
    assert sentence == "This event can no longer be read (details is not JSON): the audit chain is broken here."


def test_missing_details_never_raise():
    for type_ in SENTENCES:
        assert words(type_, {}).endswith(".")


@pytest.mark.parametrize(("rule", "channel", "says"), [
    ("quiet_hours", "sms", "outside 08:00–20:00"),  # texts stop an hour earlier
    ("public_holiday", "email", "a public holiday where the debtor lives"),
    ("tenant_closed", "email", "a day your company is closed (the excluded days setting)"),
    ("outside_send_window", "email", "outside the policy's sending hours"),
    ("a_rule_from_tomorrow", "email", "rule a rule from tomorrow"),
])
def test_a_deferral_names_its_rule(rule, channel, says):
    sentence = words("message_deferred", {"channel": channel, "rule": rule, "until": "2026-12-03T09:00:00Z"})
    assert sentence.endswith(f"22:40 in Madrid, {says}; sent on Thu 03 Dec at 10:00.")


def test_times_are_the_debtors_local_ones():
    sentence = words("message_sent", {"channel": "sms", "template": "sms_nudge"}, zone="America/Port_of_Spain")
    assert sentence == "Text reminder (sms nudge) sent by text at 17:40 in Port of Spain."


def test_a_thank_you_and_a_plan_notice_are_named_as_such():
    assert words("message_sent", {"channel": "email", "template": "thank_you"}) == \
        "Thank-you email sent by email at 22:40 in Madrid."
    assert words("message_withheld", {"channel": "email", "template": "plan_confirmed", "rule": "dispute_open",
                                      "step_spent": False}) == \
        "Plan confirmation not sent: the debt is disputed; it waits until that is lifted."


def test_nothing_owed_reads_as_the_end_of_reminders():
    assert words("message_withheld", {"rule": "balance_not_positive", "next_action_at": None}) == \
        "Nothing more to send: nothing is owed."


@pytest.mark.parametrize(("later", "says"), [
    (datetime(2026, 12, 1, 23, 30), "later that day at 23:30"),
    (datetime(2026, 12, 2, 9, 0), "next morning at 09:00"),
    (datetime(2026, 12, 2, 14, 0), "next day at 14:00"),
    (datetime(2026, 12, 7, 9, 0), "on Mon 07 Dec at 09:00"),
])
def test_when_after_says_the_day_as_a_person_would(later, says):
    assert when_after(datetime(2026, 12, 1, 22, 40), later) == says
