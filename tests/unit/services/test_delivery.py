"""The one delivery path, without sockets: claim with the account, deliver, record. A message is described
(what it is, what it does to the account) and the path is the same for every kind of message."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.accounts import Account
from chalicelib.domain.errors import Conflict, OptedOut, PermanentSendError
from chalicelib.domain.messages import FAILED, PENDING, SENT, message_id
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.schedule import DueStep, refresh_schedule
from chalicelib.domain.sending import Attempt, Message, ReminderStep
from chalicelib.domain.tenants import Tenant
from chalicelib.inputs.accounts import AccountIn, account_from_input
from chalicelib.inputs.parsing import parse
from tests.fakes import Faked, FakeRenderer, fake_container
from tests.support.samples import account

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TENANT = Tenant("t-1", "Acme", "billing@acme.example.com", "ES", "Europe/Madrid", "es-ES")


def world(too_long: bool = False, refusal: Exception | None = None, **contact: str | None) -> Faked:
    faked = fake_container(NOW, renderer=FakeRenderer())
    if too_long:
        faked.renderer.too_long.update(step.template for step in STANDARD.steps if step.template)
    if refusal is not None:
        faked.email.fail_next(*[refusal] * 3)
        faked.sms.fail_next(*[refusal] * 3)
    stored = account_from_input("t-1", "acct-1", parse(AccountIn, json.dumps({**account(), **contact})), "es-ES")
    refresh_schedule(stored, STANDARD)
    faked.accounts.save(stored)
    return faked


def step_message(index: int) -> Message:
    step = STANDARD.steps[index]
    kind = ReminderStep(STANDARD, DueStep(index, step, "c1", date(2026, 11, 30), ()))
    return Message(message_id("t-1", "acct-1", "c1", step.key), step.channel or "", step.template or "", step.key,
                   "c1", kind, kind.details(), due_on=date(2026, 11, 30))


def send(w: Faked, message: Message) -> Any:
    current = w.accounts.get("t-1", "acct-1")
    return w.container.delivery.send(current, TENANT, message, NOW)


def audit(w: Faked) -> list[Any]:
    return w.accounts.events("t-1", "acct-1")


def outbox_status(w: Faked, msg_id: str) -> str | None:
    return w.accounts.message_status("t-1", "acct-1", msg_id)


def test_a_reminder_is_claimed_delivered_and_recorded_once():
    w = world()
    first = send(w, step_message(1))
    again = send(w, step_message(1))
    assert (first.kind, first.channel, first.template) == ("sent", "email", "gentle_reminder")
    assert len(w.email.sent) == 1 and outbox_status(w, first.message_id) == SENT
    assert (again.kind, again.reason) == ("skipped", "already_sent")
    types = [e.type for e in audit(w)]
    assert types.count("message_sent") == 1 and types[-1] == "message_not_resent"


def test_an_sms_too_long_to_send_is_refused_at_render_time_for_good_and_finance_told():
    w = world(too_long=True)
    outcome = send(w, step_message(2))  # the SMS nudge
    assert (outcome.kind, outcome.reason) == ("failed", "message_too_long")
    assert w.sms.sent == [] and outbox_status(w, outcome.message_id) == FAILED
    [failed] = [e for e in audit(w) if e.type == "message_failed"]
    assert failed.details["reason"] == "message_too_long" and failed.details["step"] == STANDARD.steps[2].key
    [notice] = w.notifier.events()
    assert (notice["type"], notice["problem"], notice["channel"]) == ("delivery_problem", "failed", "sms")
    stored = w.accounts.get("t-1", "acct-1")
    assert stored.last_step >= 2  # the step is spent; the schedule moves on


def test_a_provider_refusal_is_final_and_recorded_with_its_reason():
    w = world(refusal=PermanentSendError("MessageRejected"))
    outcome = send(w, step_message(1))
    assert (outcome.kind, outcome.reason) == ("failed", "MessageRejected")
    assert [e.details["finance_told"] for e in audit(w) if e.type == "message_failed"] == [True]


class HeadsUp:
    """A kind of message the worker does not know yet (a plan's heads-up): only its moves are new."""

    def claimed(self, account: Account, now: datetime) -> None:
        account.tags = [*account.tags, "claimed"]

    def finished(self, account: Account, attempt: Attempt) -> tuple[str, dict[str, Any]]:
        return "plan_heads_up_sent", {"instalment": 2}

    def already_claimed(self, account: Account, message_id: str, outbox_status: str | None, now: datetime) -> None:
        pass


def test_a_new_kind_of_message_goes_through_the_same_path_by_describing_itself():
    w = world()
    message = Message("msg_plan_2", "email", "plan_heads_up", "plan:2", "plan", HeadsUp(),
                      {"channel": "email", "template": "plan_heads_up"}, due_on=date(2026, 12, 5))
    outcome = send(w, message)
    assert (outcome.kind, outcome.template, outcome.message_id) == ("sent", "plan_heads_up", "msg_plan_2")
    [event] = [e for e in audit(w) if e.type == "plan_heads_up_sent"]
    assert event.details["instalment"] == 2 and event.details["provider_message_id"] == w.email.sent[0].message_id
    assert "claimed" in w.accounts.get("t-1", "acct-1").tags


@pytest.mark.parametrize(("index", "contact", "reason"), [
    (1, {"email": None}, "no_email_address"),  # the gentle reminder, by email
    (2, {"phone": None}, "no_sms_address"),  # the SMS nudge
])
def test_a_message_to_a_missing_address_is_refused_for_good_and_reaches_no_provider(index, contact, reason):
    w = world(**contact)
    outcome = send(w, step_message(index))
    assert (outcome.kind, outcome.reason, outcome.until) == ("failed", reason, None)  # never tried again
    assert w.email.sent == [] and w.sms.sent == []
    assert outbox_status(w, outcome.message_id) == FAILED
    [failed] = [e for e in audit(w) if e.type == "message_failed"]
    assert failed.details["reason"] == reason and failed.details["finance_told"] is True


def test_recording_a_send_whose_account_vanished_meanwhile_ends_in_a_conflict_not_a_crash():
    """The re-read after a lost race finds nothing: the account in hand is kept, so the record fails as a lost
    race (the outbox entry stays pending, for the sweep to find) instead of an AttributeError on None."""
    w = world()
    message = step_message(1)
    deliver = w.email.send

    def deliver_while_erased(**kwargs: Any) -> str:
        provider_id = deliver(**kwargs)
        del w.accounts.items[("t-1", "acct-1")]  # erased while the email was out
        return provider_id

    w.email.send = deliver_while_erased  # type: ignore[method-assign]
    with pytest.raises(Conflict) as raised:
        send(w, message)
    assert raised.value.field == "account"
    assert len(w.email.sent) == 1 and outbox_status(w, message.message_id) == PENDING
    assert w.accounts.get("t-1", "acct-1") is None


# --- SNS's own opt-out list ----------------------------------------------------------------------------------------

def test_an_sms_to_a_number_on_the_providers_opt_out_list_stops_sms_to_the_account_once_and_audited():
    w = world()
    w.sms.opted_out.add("+34600123456")
    outcome = send(w, step_message(2))  # the SMS nudge
    assert (outcome.kind, outcome.reason) == ("failed", "sms_opted_out")
    assert w.sms.sent == [] and outbox_status(w, outcome.message_id) == FAILED
    stored = w.accounts.get("t-1", "acct-1")
    assert stored.sms_opted_out and stored.last_step >= 2  # the step is spent; no later SMS step is tried
    [opt_out] = [e for e in audit(w) if e.type == "sms_opted_out"]
    assert (opt_out.actor, opt_out.details["reason"]) == ("sns", "sns_opt_out_list")
    assert w.notifier.events("delivery_problem") == []  # the debtor's choice, not a problem to chase


def test_an_sms_the_provider_refuses_at_send_time_as_opted_out_stops_sms_the_same_way():
    w = world()
    w.sms.fail_next(OptedOut())
    outcome = send(w, step_message(2))
    assert (outcome.kind, outcome.reason, outcome.until) == ("failed", "sms_opted_out", None)  # never retried
    assert w.accounts.get("t-1", "acct-1").sms_opted_out
    assert [e.type for e in audit(w)].count("sms_opted_out") == 1


def test_an_account_already_opted_out_records_no_second_opt_out():
    w = world()
    stored = w.accounts.get("t-1", "acct-1")
    stored.sms_opted_out = True
    w.accounts.save(stored)
    w.sms.opted_out.add("+34600123456")
    send(w, step_message(2))
    assert [e.type for e in audit(w)].count("sms_opted_out") == 0


# --- where a written reply goes ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("contact", "reply_to"), [
    ({"reply_to": "ar@acme.example.com", "support_email": "help@acme.example.com"}, "ar@acme.example.com"),
    ({"support_email": "help@acme.example.com"}, "help@acme.example.com"),  # no reply-to: the support address
    ({}, None),  # neither: a reply goes to the sender
])
def test_each_email_carries_the_tenants_reply_to(contact, reply_to):
    w = world()
    tenant = Tenant("t-1", "Acme", "billing@acme.example.com", "ES", "Europe/Madrid", "es-ES", **contact)
    w.container.delivery.send(w.accounts.get("t-1", "acct-1"), tenant, step_message(1), NOW)
    [sent] = w.email.sent
    assert sent.reply_to == reply_to
