"""The one delivery path, without sockets: claim with the account, deliver, record. A message is described
(what it is, what it does to the account) and the path is the same for every kind of message."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from chalicelib.domain.accounts import Account
from chalicelib.domain.errors import PermanentSendError
from chalicelib.domain.messages import FAILED, PENDING, SENT, MessageTooLong, RenderedMessage, message_id
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.schedule import DueStep, refresh_schedule
from chalicelib.domain.sending import Attempt, ReminderStep
from chalicelib.domain.tenants import Tenant
from chalicelib.inputs.accounts import AccountIn, account_from_input
from chalicelib.inputs.parsing import parse
from chalicelib.services.delivery import Delivery, Message
from tests.support.memory import FinanceInbox, MemoryAccounts
from tests.support.samples import account

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
TENANT = Tenant("t-1", "Acme", "billing@acme.example.com", "ES", "Europe/Madrid", "es-ES")


class Outbox(MemoryAccounts):
    """MemoryAccounts with the outbox the delivery path claims and finishes entries in."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: dict[str, dict[str, Any]] = {}

    def claim_message(self, account: Account, message: dict[str, Any], short_link: Any = None) -> bool:
        if message["message_id"] in self.messages:
            return False
        self.messages[message["message_id"]] = {**message, "attempts": 1}
        self.save(account)
        return True

    def message_status(self, tenant_id: str, account_id: str, msg_id: str) -> str | None:
        return self.messages[msg_id]["status"] if msg_id in self.messages else None

    def message_attempts(self, tenant_id: str, account_id: str, msg_id: str) -> int:
        return int(self.messages.get(msg_id, {}).get("attempts", 0))

    def finish_message(self, account: Account, msg_id: str, status: str, details: dict[str, Any]) -> None:
        assert self.messages[msg_id]["status"] == PENDING
        self.messages[msg_id] = {**self.messages[msg_id], "status": status, **details}
        self.save(account)


class Renderer:
    def __init__(self, refuse: bool = False) -> None:
        self.refuse = refuse

    def render(self, ctx: Any) -> RenderedMessage:
        if self.refuse:
            raise MessageTooLong("three segments")
        return RenderedMessage(text=f"{ctx.template} for {ctx.debtor_name}", subject="s")


class Provider:
    def __init__(self, refusal: Exception | None = None) -> None:
        self.sent: list[dict[str, Any]] = []
        self.refusal = refusal

    def send(self, **message: Any) -> str:
        if self.refusal is not None:
            raise self.refusal
        self.sent.append(message)
        return f"provider-{len(self.sent)}"


class Links:
    def portal_url(self, tenant_id: str, account_id: str, now: datetime) -> str:
        return "https://kindly.example/p/token"

    def unsubscribe_url(self, tenant_id: str, account_id: str, now: datetime) -> str:
        return "https://kindly.example/u/token"

    def short_portal_link(self, tenant_id: str, account_id: str, now: datetime) -> tuple[str, None]:
        return "https://kindly.example/s/ABCDEFGHIJ", None


def world(renderer: Renderer | None = None, refusal: Exception | None = None) -> dict[str, Any]:
    accounts, email, sms, finance = Outbox(), Provider(refusal), Provider(refusal), FinanceInbox()
    stored = account_from_input("t-1", "acct-1", parse(AccountIn, json.dumps(account())), "es-ES")
    refresh_schedule(stored, STANDARD)
    accounts.save(stored)
    delivery = Delivery(accounts=accounts, renderer=renderer or Renderer(), email=email, sms=sms,
                        notifier=finance, links=Links())
    return {"accounts": accounts, "email": email, "sms": sms, "finance": finance, "delivery": delivery}


def step_message(index: int) -> Message:
    step = STANDARD.steps[index]
    kind = ReminderStep(STANDARD, DueStep(index, step, "c1", date(2026, 11, 30), ()))
    return Message(message_id("t-1", "acct-1", "c1", step.key), step.channel or "", step.template or "", step.key,
                   "c1", kind, kind.details(), due_on=date(2026, 11, 30))


def send(w: dict[str, Any], message: Message) -> Any:
    current = w["accounts"].get("t-1", "acct-1")
    return w["delivery"].send(current, TENANT, message, NOW)


def test_a_reminder_is_claimed_delivered_and_recorded_once():
    w = world()
    first = send(w, step_message(1))
    again = send(w, step_message(1))
    assert (first.kind, first.channel, first.template) == ("sent", "email", "gentle_reminder")
    assert len(w["email"].sent) == 1 and w["accounts"].messages[first.message_id]["status"] == SENT
    assert (again.kind, again.reason) == ("skipped", "already_sent")
    types = [e.type for e in w["accounts"].audit]
    assert types.count("message_sent") == 1 and types[-1] == "message_not_resent"


def test_an_sms_too_long_to_send_is_refused_at_render_time_for_good_and_finance_told():
    w = world(Renderer(refuse=True))
    outcome = send(w, step_message(2))  # the SMS nudge
    assert (outcome.kind, outcome.reason) == ("failed", "message_too_long")
    assert w["sms"].sent == [] and w["accounts"].messages[outcome.message_id]["status"] == FAILED
    [failed] = [e for e in w["accounts"].audit if e.type == "message_failed"]
    assert failed.details["reason"] == "message_too_long" and failed.details["step"] == STANDARD.steps[2].key
    [notice] = w["finance"].published
    assert (notice["type"], notice["problem"], notice["channel"]) == ("delivery_problem", "failed", "sms")
    stored = w["accounts"].get("t-1", "acct-1")
    assert stored.last_step >= 2  # the step is spent; the schedule moves on


def test_a_provider_refusal_is_final_and_recorded_with_its_reason():
    w = world(refusal=PermanentSendError("MessageRejected"))
    outcome = send(w, step_message(1))
    assert (outcome.kind, outcome.reason) == ("failed", "MessageRejected")
    assert [e.details["finance_told"] for e in w["accounts"].audit if e.type == "message_failed"] == [True]


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
    [event] = [e for e in w["accounts"].audit if e.type == "plan_heads_up_sent"]
    assert event.details["instalment"] == 2 and event.details["provider_message_id"] == "provider-1"
    assert "claimed" in w["accounts"].get("t-1", "acct-1").tags
