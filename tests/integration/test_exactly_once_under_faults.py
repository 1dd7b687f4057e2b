"""Nothing lost, nothing twice (SPEC principle 5), with a fault injected at each step of the reminder and webhook
paths, on Amazon's DynamoDB Local (its transactions really lock, unlike moto's) and moto server for SES, SNS and
SSM. After each fault the sweep is run again or the webhook delivered again, and what SES and SNS received is read
back over HTTP and compared with what was meant to go out.

Faults are injected by wrapping one adapter of the composition root (`Container`), so everything else (the
remind and payment use cases, the repositories, the SES and SNS adapters) is the real code.
"""

from __future__ import annotations

import os
import random
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.clock import FixedClock
from chalicelib.bootstrap import Container
from chalicelib.domain.errors import Conflict
from chalicelib.in_process_sweep import run_sweep
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.tenants import TenantIn
from chalicelib.local.environment import local_environment
from chalicelib.local.outbox import fetch_outbox
from chalicelib.services.remind import SEND_LEASE
from tests.support import webhooks as wh
from tests.support.samples import account

MORNING = "2026-12-01T09:00:00Z"  # 10:00 in Madrid, a Tuesday: the plan_offer email is the step due
SMS_MORNING = "2026-11-20T10:00:00Z"  # the +4 SMS step is the one due


class WorkerDied(RuntimeError):
    """Stands for the Lambda being killed (timeout, out of memory) at the chosen point."""


class FailOnce:
    """Wraps an adapter: the first call of `method` fails with `error`, either instead of the real call or right
    after it (the call's effect stands, then the caller never hears back)."""

    def __init__(self, inner: Any, method: str, error: Exception, *, after_the_call: bool = False) -> None:
        self._inner, self._method, self._error, self._after = inner, method, error, after_the_call
        self.failed = False

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._inner, name)
        if name != self._method or self.failed:
            return real

        def failing(*args: Any, **kwargs: Any) -> Any:
            self.failed = True
            if self._after:
                real(*args, **kwargs)
            raise self._error

        return failing


class Rendezvous:
    """Wraps one worker's adapter: its first call of `method` waits at a barrier shared with the other workers,
    so they all make that call at the same moment (later calls, e.g. a retry, go straight through)."""

    def __init__(self, inner: Any, method: str, barrier: threading.Barrier) -> None:
        self._inner, self._method, self._barrier = inner, method, barrier
        self.met = False

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._inner, name)
        if name != self._method or self.met:
            return real

        def lined_up(*args: Any, **kwargs: Any) -> Any:
            self.met = True
            self._barrier.wait(timeout=30)
            return real(*args, **kwargs)

        return lined_up


def throttling(operation: str) -> ClientError:
    """What botocore raises when SES or SNS says "slow down" (and its own retries are spent)."""
    return ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, operation)


def sns_throttled() -> ClientError:
    return ClientError({"Error": {"Code": "Throttled", "Message": "Rate exceeded"}}, "Publish")


# --- the world: DynamoDB Local + moto server, tables of this module's own stage ----------------------------------

@pytest.fixture(scope="module")
def world(moto_server: Any, dynamodb_local: Any) -> Iterator[dict[str, Any]]:
    from chalicelib.adapters.provision import initialise
    from chalicelib.bootstrap import container, reset

    with pytest.MonkeyPatch.context() as env:
        for name in list(os.environ):
            if name.startswith(("AWS_", "KINDLY_")):
                env.delenv(name)
        for name, value in local_environment(moto_server.url, dynamodb_local.url).items():
            env.setenv(name, value)
        env.setenv("KINDLY_STAGE", "faults")  # tables, topics and queues of its own: kindly-faults-*
        reset()
        initialise(container())
        yield {"app": container(), "moto": moto_server.url}
        reset()


@pytest.fixture
def debtor(world: dict[str, Any]) -> dict[str, Any]:
    """A tenant of its own and one overdue account with an address and number no other test uses."""
    app = world["app"]
    tenant, _key = app.tenants.create(parse(TenantIn, {
        "name": "Acme Cobros", "sender_email": "cobros@acme.example.com", "country": "ES", "timezone": "Europe/Madrid",
        "locale": "es-ES"}))
    address = f"ana.{uuid.uuid4().hex[:12]}@example.com"
    # moto answers "opted out" for every number ending in 99, so the random part never does
    phone = f"+346{random.randint(1_000_000, 9_999_999)}0"  # noqa: S311 - a test number, not a secret
    app.accounts.upsert(tenant.tenant_id, "acct-1", account(email=address, phone=phone), "test")
    return {"tenant_id": tenant.tenant_id, "address": address, "phone": phone}


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def app_at(world: dict[str, Any], when: datetime, **wrappers: Callable[[Any], Any]) -> Container:
    """A fresh container with its clock at `when`; each wrapper replaces the adapter it names (built first)."""
    app = Container(world["app"].settings, clock=FixedClock(when))
    for name, wrap in wrappers.items():
        setattr(app, name, wrap(getattr(app, name)))
    return app


def sweep(world: dict[str, Any], debtor: dict[str, Any], when: datetime, **wrappers: Callable[[Any], Any]
          ) -> dict[str, Any]:
    return run_sweep(app_at(world, when, **wrappers), when, debtor["tenant_id"])


def received(world: dict[str, Any], debtor: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What moto's SES and SNS received for this debtor (read over HTTP)."""
    outbox = fetch_outbox(world["moto"])
    return ([m for m in outbox["email"] if debtor["address"] in m["destinations"]],
            [m for m in outbox["sms"] if m["phone"] == debtor["phone"]])


def recorded_as_sent(world: dict[str, Any], debtor: dict[str, Any]) -> set[str]:
    """The provider ids Kindly's outbox recorded for this tenant's messages."""
    return world["app"].account_repository.provider_message_ids(debtor["tenant_id"])


def stored(world: dict[str, Any], debtor: dict[str, Any]) -> Any:
    return world["app"].account_repository.get(debtor["tenant_id"], "acct-1")


def audit(world: dict[str, Any], debtor: dict[str, Any]) -> list[Any]:
    return world["app"].audit.timeline(debtor["tenant_id"], "acct-1")


def outbox_status(world: dict[str, Any], debtor: dict[str, Any], message_id: str) -> str | None:
    return world["app"].account_repository.message_status(debtor["tenant_id"], "acct-1", message_id)


def chain_ok(world: dict[str, Any], debtor: dict[str, Any]) -> bool:
    return bool(world["app"].audit.verify(debtor["tenant_id"], "acct-1").ok)


# --- the reminder path -----------------------------------------------------------------------------------------

def test_a_worker_that_dies_before_claiming_leaves_nothing_behind_and_the_rerun_sends_once(world, debtor):
    # Given the worker dies just before its outbox claim (nothing written yet)
    first = sweep(world, debtor, instant(MORNING),
                  account_repository=lambda repo: FailOnce(repo, "claim_message", WorkerDied("killed")))
    assert first["errors"] == 1 and received(world, debtor) == ([], [])
    # When SQS hands the message to a worker again (the sweep re-runs)
    again = sweep(world, debtor, instant(MORNING) + timedelta(minutes=1))
    # Then exactly the one intended email went out, and it is the one recorded as sent
    emails, sms = received(world, debtor)
    assert again["sent"] == 1 and len(emails) == 1 and sms == []
    assert {m["id"] for m in emails} == recorded_as_sent(world, debtor)
    assert [e.type for e in audit(world, debtor)].count("message_sent") == 1 and chain_ok(world, debtor)


def test_a_worker_that_dies_after_claiming_never_sends_and_the_account_moves_on_after_the_lease(world, debtor):
    # Given the worker dies right after its claim committed, before handing the message to SES
    first = sweep(world, debtor, instant(MORNING), account_repository=lambda repo: FailOnce(
        repo, "claim_message", WorkerDied("killed"), after_the_call=True))
    assert first["errors"] == 1
    # When the sweep re-runs within the lease, the account is parked; after it, the claim is found and honoured
    assert sweep(world, debtor, instant(MORNING) + timedelta(minutes=1))["evaluated"] == 0
    later = sweep(world, debtor, instant(MORNING) + SEND_LEASE + timedelta(minutes=1))
    # Then nothing was ever sent: the chosen trade-off is at most once, and the outbox says `pending`
    assert later["sent"] == 0 and received(world, debtor) == ([], [])
    [not_resent] = [e for e in audit(world, debtor) if e.type == "message_not_resent"]
    assert not_resent.details["outbox_status"] == "pending"
    # And the account is not parked forever: its next step is scheduled
    assert stored(world, debtor).next_action_at > instant(MORNING) + timedelta(days=1)


def test_a_worker_that_dies_after_the_send_before_the_record_never_sends_twice(world, debtor):
    # Given SES accepted the email, then the worker died before recording it
    first = sweep(world, debtor, instant(MORNING),
                  account_repository=lambda repo: FailOnce(repo, "finish_message", WorkerDied("killed")))
    assert first["errors"] == 1
    # When the sweep re-runs, inside and after the lease
    assert sweep(world, debtor, instant(MORNING) + timedelta(minutes=1))["evaluated"] == 0
    later = sweep(world, debtor, instant(MORNING) + SEND_LEASE + timedelta(minutes=1))
    # Then the debtor got the email exactly once. The claim is the guard: a message whose outcome is unknown stays
    # `pending` in the outbox and is never sent again (at most once, chosen over at least once: a reminder sent
    # twice is worse than a reminder not recorded). Its provider id is therefore not recorded.
    emails, _ = received(world, debtor)
    assert later["sent"] == 0 and len(emails) == 1
    assert recorded_as_sent(world, debtor) == set()
    [not_resent] = [e for e in audit(world, debtor) if e.type == "message_not_resent"]
    assert outbox_status(world, debtor, not_resent.details["message_id"]) == "pending"
    # And the account is not parked forever: it waits for its next step
    account = stored(world, debtor)
    assert account.next_action_at is not None and account.next_action_at > instant(MORNING) + timedelta(days=1)
    assert chain_ok(world, debtor)


def test_a_record_that_loses_a_race_is_written_again_from_a_fresh_read(world, debtor):
    # Given the record of a sent email is refused once, as if the account had changed meanwhile
    summary = sweep(world, debtor, instant(MORNING), account_repository=lambda repo: FailOnce(
        repo, "finish_message", Conflict("the account changed while we were working on it", "account")))
    # Then the worker re-reads the account and records the send once; nothing is sent again
    emails, _ = received(world, debtor)
    assert summary["sent"] == 1 and summary["errors"] == 0 and len(emails) == 1
    assert {m["id"] for m in emails} == recorded_as_sent(world, debtor)
    assert [e.type for e in audit(world, debtor)].count("message_sent") == 1 and chain_ok(world, debtor)
    assert sweep(world, debtor, instant(MORNING) + SEND_LEASE + timedelta(minutes=1))["sent"] == 0


def test_a_payment_landing_while_the_email_is_in_flight_is_kept_and_the_email_recorded_once(world, debtor):
    # Given the tenant's Stripe secret, and a payment webhook that arrives while SES is sending the reminder
    world["app"].payments.put_secret(debtor["tenant_id"], "stripe", {"secret": wh.STRIPE_SECRET})
    payload = wh.body(wh.stripe_event("invoice.paid", wh.stripe_invoice(), "evt_midflight"))

    class PaidDuringSend:
        def __init__(self, inner: Any) -> None:
            self._inner = inner

        def send(self, **kwargs: Any) -> str:
            provider_id = self._inner.send(**kwargs)
            results = app_at(world, instant(MORNING)).payments.receive(
                debtor["tenant_id"], "stripe", payload, wh.stripe_headers(payload))
            assert [r.outcome for r in results] == ["applied"]
            return str(provider_id)

    # When the sweep sends (its record now conflicts with the payment's save on DynamoDB Local)
    summary = sweep(world, debtor, instant(MORNING), email=PaidDuringSend)
    # Then the email is recorded once, on top of the payment, which is not lost
    emails, _ = received(world, debtor)
    assert summary["sent"] == 1 and len(emails) == 1
    assert {m["id"] for m in emails} == recorded_as_sent(world, debtor)
    types = [e.type for e in audit(world, debtor)]
    assert types.count("payment_succeeded") == 1 and types.count("message_sent") == 1
    assert stored(world, debtor).balance() == {"EUR": 0} and chain_ok(world, debtor)


def test_ses_throttling_defers_and_the_retry_sends_exactly_once(world, debtor):
    def throttled_once(email: Any) -> Any:
        email._client = FailOnce(email._client, "send_email", throttling("SendEmail"))
        return email

    first = sweep(world, debtor, instant(MORNING), email=throttled_once)
    assert first["deferred_by"] == {"provider_throttled": 1} and received(world, debtor) == ([], [])
    retry_at = stored(world, debtor).next_action_at
    assert retry_at == instant(MORNING) + timedelta(minutes=5)
    assert sweep(world, debtor, retry_at)["sent"] == 1
    assert sweep(world, debtor, retry_at + SEND_LEASE + timedelta(minutes=1))["sent"] == 0
    emails, _ = received(world, debtor)
    assert len(emails) == 1 and {m["id"] for m in emails} == recorded_as_sent(world, debtor)


def test_sns_throttling_defers_an_sms_and_the_retry_sends_exactly_once(world, debtor):
    def throttled_once(sms: Any) -> Any:
        sms._client = FailOnce(sms._client, "publish", sns_throttled())
        return sms

    first = sweep(world, debtor, instant(SMS_MORNING), sms=throttled_once)
    assert first["deferred_by"] == {"provider_throttled": 1} and received(world, debtor) == ([], [])
    retry_at = stored(world, debtor).next_action_at
    assert sweep(world, debtor, retry_at)["sent"] == 1
    assert sweep(world, debtor, retry_at + SEND_LEASE + timedelta(minutes=1))["sent"] == 0
    emails, sms = received(world, debtor)
    assert emails == [] and len(sms) == 1 and "STOP" in sms[0]["text"]
    assert {m["id"] for m in sms} == recorded_as_sent(world, debtor)


def test_two_workers_on_the_same_account_at_the_same_instant_send_one_email(world, debtor):
    # Given two workers that have both read the account and reach their outbox claim at the same moment
    barrier = threading.Barrier(2)
    outcomes: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            app = app_at(world, instant(MORNING),
                         account_repository=lambda repo: Rendezvous(repo, "claim_message", barrier))
            outcomes.append(app.remind.process(debtor["tenant_id"], "acct-1"))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Then DynamoDB Local lets exactly one claim through: one email, one record
    assert errors == []
    assert sorted(o.kind for o in outcomes) == ["sent", "skipped"]
    emails, _ = received(world, debtor)
    assert len(emails) == 1 and {m["id"] for m in emails} == recorded_as_sent(world, debtor)
    assert [e.type for e in audit(world, debtor)].count("message_sent") == 1 and chain_ok(world, debtor)


# --- the webhook path ------------------------------------------------------------------------------------------

def stripe_delivery(event_id: str = "evt_faults") -> tuple[bytes, dict[str, str]]:
    payload = wh.body(wh.stripe_event("invoice.paid", wh.stripe_invoice(), event_id))
    return payload, wh.stripe_headers(payload)


def standard_delivery(msg_id: str = "msg_faults") -> tuple[bytes, dict[str, str]]:
    payload = wh.body({"type": "payment.succeeded", "timestamp": "2026-11-27T09:00:00Z",
                       "data": {"account_id": "acct-1", "payment_id": "pay_faults", "amount": 4900,
                                "currency": "EUR", "invoice_id": "INV-1001"}})
    return payload, wh.standard_headers(payload, msg_id)


DELIVERIES = {"stripe": (wh.STRIPE_SECRET, stripe_delivery), "standard": (wh.STANDARD_SECRET, standard_delivery)}


def ledger(world: dict[str, Any], debtor: dict[str, Any]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in stored(world, debtor).payments]


@pytest.mark.parametrize("provider", sorted(DELIVERIES))
@pytest.mark.parametrize("after_the_save", [False, True], ids=["during_the_save", "after_the_save"])
def test_a_webhook_redelivered_after_a_failure_is_applied_once(world, debtor, provider, after_the_save):
    secret, delivery = DELIVERIES[provider]
    world["app"].payments.put_secret(debtor["tenant_id"], provider, {"secret": secret})
    payload, headers = delivery()
    # Given the save fails (or succeeds and the function dies before answering), so the processor gets no 200
    failing = app_at(world, instant(MORNING), account_repository=lambda repo: FailOnce(
        repo, "save", WorkerDied("killed"), after_the_call=after_the_save))
    with pytest.raises(WorkerDied):
        failing.payments.receive(debtor["tenant_id"], provider, payload, headers)
    # When the processor delivers the same event again
    results = app_at(world, instant(MORNING)).payments.receive(debtor["tenant_id"], provider, payload, headers)
    # Then the payment is on the ledger once, the balance moved once, and one audit event says so
    assert [r.outcome for r in results] == (["unchanged"] if after_the_save else ["applied"])
    assert stored(world, debtor).balance() == {"EUR": 0}
    [line] = ledger(world, debtor)
    assert line["amount"] == 4900
    assert [e.type for e in audit(world, debtor)].count("payment_succeeded") == 1 and chain_ok(world, debtor)
    # And one more delivery changes nothing
    again = app_at(world, instant(MORNING)).payments.receive(debtor["tenant_id"], provider, payload, headers)
    assert [r.outcome for r in again] == ["unchanged"] and len(ledger(world, debtor)) == 1


def test_the_same_webhook_delivered_twice_at_once_is_applied_once(world, debtor):
    world["app"].payments.put_secret(debtor["tenant_id"], "stripe", {"secret": wh.STRIPE_SECRET})
    payload, headers = stripe_delivery("evt_twice")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            app = app_at(world, instant(MORNING), account_repository=lambda repo: Rendezvous(repo, "save", barrier))
            outcomes.extend(r.outcome for r in app.payments.receive(debtor["tenant_id"], "stripe", payload, headers))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and sorted(outcomes) == ["applied", "unchanged"]
    assert len(ledger(world, debtor)) == 1 and stored(world, debtor).balance() == {"EUR": 0}
    assert [e.type for e in audit(world, debtor)].count("payment_succeeded") == 1 and chain_ok(world, debtor)
