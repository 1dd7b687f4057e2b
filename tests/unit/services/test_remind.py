"""The reminder worker (services/remind.py) over the fakes: each outcome the courtesy guard and the outbox allow,
driven through `process` only (its insides are being restructured)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.accounts import Account
from chalicelib.domain.errors import PermanentSendError, Throttled
from chalicelib.domain.messages import FAILED, RETRY, SENT
from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.parsing import parse
from tests.fakes import fake_container
from tests.unit.services.conftest import ACCOUNT_ID, create_tenant, pay, put_account, stored


def outbox(faked, tenant):
    return {key[2]: entry for key, entry in faked.accounts.outbox.items() if key[0] == tenant.tenant_id}


def test_a_due_reminder_is_sent_once_recorded_and_the_account_moves_on(remind, accounts, faked, tenant):
    put_account(accounts, tenant)

    outcome = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (outcome.kind, outcome.channel) == ("sent", "email")
    [email] = faked.email.sent
    assert email.recipient == "ana@example.com" and email.sender == "billing@acme.example.com"
    assert email.tags["message_id"] == outcome.message_id and email.tags["tenant_id"] == tenant.tenant_id
    assert "List-Unsubscribe" in email.message.headers
    assert outbox(faked, tenant)[outcome.message_id].status == SENT
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-1] == "message_sent"
    assert stored(faked, tenant).next_action_at > faked.clock.now()

    assert remind.process(tenant.tenant_id, ACCOUNT_ID).reason == "not_due"
    assert len(faked.email.sent) == 1


def test_two_queue_messages_for_one_account_send_one_reminder(remind, sweep, accounts, faked, tenant):
    put_account(accounts, tenant)
    sweep.enqueue_due(faked.queue, tenant.tenant_id)
    sweep.enqueue_due(faked.queue, tenant.tenant_id)  # the sweep ran again before the worker got there
    [first, second] = faked.queue.bodies

    outcomes = [remind.process(item["tenant_id"], item["account_id"], item.get("snapshot"))
                for item in (first, second)]

    # The second's snapshot was stale: its write was refused, and read again the account was no longer due.
    assert [(o.kind, o.reason) for o in outcomes] == [("sent", None), ("skipped", "not_due")]
    assert len(faked.email.sent) == 1
    assert "message_not_resent" not in faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)


def after_next_email(faked, change):
    """Run `change` as the next write after the next email goes out (between the send and its record)."""
    send = faked.email.send

    def send_then_change(**kwargs):
        message_id = send(**kwargs)
        faked.accounts.before_next_write(change)
        return message_id

    faked.email.send = send_then_change


def test_a_worker_that_dies_after_sending_never_sends_that_message_again(remind, accounts, faked, tenant):
    put_account(accounts, tenant)

    def crash():
        raise RuntimeError("the Lambda timed out")

    after_next_email(faked, crash)
    with pytest.raises(RuntimeError):
        remind.process(tenant.tenant_id, ACCOUNT_ID)
    [message_id] = outbox(faked, tenant)
    assert outbox(faked, tenant)[message_id].status == "pending"

    faked.clock.advance(timedelta(minutes=11))  # the send lease is over: the account is due again
    outcome = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (outcome.kind, outcome.reason, outcome.message_id) == ("skipped", "already_sent", message_id)
    assert len(faked.email.sent) == 1
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-1] == "message_not_resent"
    assert stored(faked, tenant).next_action_at > faked.clock.now()


def test_at_night_the_reminder_is_deferred_to_the_morning_and_nothing_is_sent(remind, accounts, faked, tenant):
    faked.clock.set(datetime(2026, 12, 1, 23, 0, tzinfo=UTC))  # midnight in Madrid
    put_account(accounts, tenant)

    outcome = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (outcome.kind, outcome.reason) == ("deferred", "quiet_hours")
    assert outcome.until.astimezone(UTC) == datetime(2026, 12, 2, 8, 0, tzinfo=UTC)  # 09:00 in Madrid
    assert stored(faked, tenant).next_action_at == outcome.until
    assert faked.email.sent == [] and faked.accounts.outbox == {}
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-1] == "message_deferred"


def test_an_open_dispute_withholds_the_reminder_and_says_why(remind, accounts, faked, tenant):
    put_account(accounts, tenant)
    accounts.set_flag(tenant.tenant_id, ACCOUNT_ID, parse(FlagIn, {"flag": "dispute", "active": True}), "api")

    outcome = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (outcome.kind, outcome.reason) == ("withheld", "dispute_open")
    assert faked.email.sent == [] and faked.sms.sent == [] and faked.accounts.outbox == {}
    [withheld] = [e for e in faked.accounts.events(tenant.tenant_id, ACCOUNT_ID) if e.type == "message_withheld"]
    assert withheld.details["rule"] == "dispute_open"


def test_a_refused_send_is_final_recorded_as_failed_and_finance_hears_once(remind, accounts, faked, tenant):
    put_account(accounts, tenant)
    faked.email.fail_next(PermanentSendError("MessageRejected"))

    outcome = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (outcome.kind, outcome.reason) == ("failed", "MessageRejected")
    assert outbox(faked, tenant)[outcome.message_id].status == FAILED
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-1] == "message_failed"
    [problem] = faked.notifier.events("delivery_problem")
    assert (problem["problem"], problem["message_id"]) == ("failed", outcome.message_id)
    assert "ana@example.com" not in str(faked.notifier.published)


def test_a_throttled_send_is_retried_later_and_then_sent_once(remind, accounts, faked, tenant):
    put_account(accounts, tenant)
    faked.email.fail_next(Throttled("SES is throttling"))

    first = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (first.kind, first.reason) == ("deferred", "provider_throttled")
    [message_id] = outbox(faked, tenant)
    assert outbox(faked, tenant)[message_id].status == RETRY
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-1] == "message_delayed"
    assert faked.email.sent == [] and faked.notifier.published == []

    faked.clock.set(first.until)
    second = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (second.kind, second.message_id) == ("sent", message_id)
    assert outbox(faked, tenant)[message_id].status == SENT
    assert outbox(faked, tenant)[message_id].attempts == 2
    assert len(faked.email.sent) == 1


def test_a_payment_is_thanked_once(remind, accounts, payments, faked, tenant):
    put_account(accounts, tenant)
    assert pay(payments, faked, tenant) == ["applied"]
    assert stored(faked, tenant).state == "settled"

    outcome = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (outcome.kind, outcome.template) == ("sent", "thank_you")
    [thanks] = faked.email.sent
    assert thanks.recipient == "ana@example.com"
    assert remind.process(tenant.tenant_id, ACCOUNT_ID).kind == "skipped"
    assert len(faked.email.sent) == 1


def test_an_sms_carries_a_short_link_stored_with_it():
    faked = fake_container(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))  # 5 days overdue: the SMS step
    tenant = create_tenant(faked.container.tenants)
    put_account(faked.container.accounts, tenant)

    outcome = faked.container.remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert (outcome.kind, outcome.channel) == ("sent", "sms")
    [sms] = faked.sms.sent
    [code] = faked.short_links.links
    assert sms.phone == "+34600123456" and f"/s/{code}" in sms.text
    portal_url = faked.container.links.expand(code, faked.clock.now())
    assert "/p/" in portal_url


def test_the_last_step_escalates_to_finance_once(accounts, faked):
    faked.clock.set(datetime(2026, 12, 21, 10, 0, tzinfo=UTC))  # 36 days overdue
    tenant = create_tenant(faked.container.tenants)
    put_account(accounts, tenant)

    outcome = faked.container.remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert outcome.kind == "escalated"
    [escalation] = faked.notifier.events("escalation")
    assert escalation["account_id"] == ACCOUNT_ID and escalation["balance"] == {"EUR": 4900}
    assert faked.email.sent == []


def test_an_account_that_is_gone_or_whose_tenant_is_gone_is_skipped_and_nothing_written(remind, faked, tenant):
    orphan = Account("t_gone", ACCOUNT_ID, "Ana", "es-ES", "standard", email="ana@example.com",
                     next_action_at=faked.clock.now() - timedelta(days=1))
    faked.accounts.put(orphan)
    before = faked.stored()

    assert remind.process(tenant.tenant_id, "acct-missing").reason == "not_found"
    assert remind.process("t_gone", ACCOUNT_ID).reason == "tenant_not_found"

    assert faked.stored() == before


def test_a_change_while_the_reminder_was_going_out_is_kept_and_the_send_recorded(remind, accounts, faked, tenant):
    put_account(accounts, tenant)

    def another_request():  # between the send and its record, say new tags through the API
        current = stored(faked, tenant)
        current.tags = ["vip"]
        current.record(faked.clock.now(), "account_updated", "api", {})
        faked.accounts.save(current)

    after_next_email(faked, another_request)
    outcome = remind.process(tenant.tenant_id, ACCOUNT_ID)

    assert outcome.kind == "sent" and len(faked.email.sent) == 1
    assert stored(faked, tenant).tags == ["vip"]
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-2:] == ["account_updated", "message_sent"]
    assert faked.accounts.message_status(tenant.tenant_id, ACCOUNT_ID, outcome.message_id) == SENT
