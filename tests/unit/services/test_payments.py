"""Payments (services/payments.py) over the fakes: a signed webhook moves money once; a bad one moves nothing.
(Redeliveries in every order are tests/unit/services/test_payments_redelivery.py; the ledger's arithmetic is
tests/unit/domain/test_payments.py.)"""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput, NotFound, Unauthenticated
from tests.support import webhooks as wh
from tests.unit.services.conftest import ACCOUNT_ID, pay, put_account, standard_webhook, stored


def test_a_payment_is_applied_audited_and_settles_the_account(payments, accounts, faked, tenant):
    put_account(accounts, tenant)

    assert pay(payments, faked, tenant, amount=4900) == ["applied"]

    account = stored(faked, tenant)
    assert account.balance() == {"EUR": 0}
    assert account.state == "settled" and account.pending_thanks is not None
    [event] = [e for e in faked.accounts.events(tenant.tenant_id, ACCOUNT_ID) if e.type == "payment_succeeded"]
    assert event.actor == "webhook:standard" and event.details["amount"] == 4900


def test_the_same_event_again_is_unchanged_and_writes_nothing(payments, accounts, faked, tenant):
    put_account(accounts, tenant)
    pay(payments, faked, tenant, amount=1000)
    before = faked.stored()

    assert pay(payments, faked, tenant, amount=1000) == ["unchanged"]

    assert faked.stored() == before


def test_a_payment_for_an_account_not_known_yet_is_held_and_applied_when_it_arrives(payments, accounts, faked,
                                                                                     tenant):
    assert pay(payments, faked, tenant, amount=4900) == ["held_for_account"]
    assert faked.parked.items and faked.accounts.items == {}

    put_account(accounts, tenant)

    assert stored(faked, tenant).state == "settled"
    assert faked.parked.items == {}


def test_a_refund_reopens_the_balance_holds_the_account_and_tells_finance(payments, accounts, faked, tenant):
    put_account(accounts, tenant)
    pay(payments, faked, tenant, amount=4900)

    assert pay(payments, faked, tenant, "evt_2", 4900, kind="payment.refunded") == ["applied"]

    account = stored(faked, tenant)
    assert account.state == "held" and account.balance() == {"EUR": 4900}
    [refund] = faked.notifier.events("refund")
    assert refund["account_id"] == ACCOUNT_ID and refund["amount"] == 4900

    resumed = payments.resume(tenant.tenant_id, ACCOUNT_ID, "api")
    assert resumed.state == "active" and stored(faked, tenant).state == "active"


def test_resuming_an_account_that_is_not_held_is_refused_and_changes_nothing(payments, accounts, faked, tenant):
    put_account(accounts, tenant)
    before = faked.stored()

    with pytest.raises(Conflict) as refused:
        payments.resume(tenant.tenant_id, ACCOUNT_ID, "api")
    assert refused.value.field == "state"
    with pytest.raises(NotFound):
        payments.resume(tenant.tenant_id, "acct-missing", "api")
    assert faked.stored() == before


def test_a_bad_signature_or_a_missing_secret_is_unauthenticated_and_moves_nothing(payments, accounts, faked,
                                                                                   tenant):
    put_account(accounts, tenant)
    body, headers = standard_webhook(faked, tenant, "evt_1", 4900)
    before = faked.stored()

    with pytest.raises(Unauthenticated):
        payments.receive(tenant.tenant_id, "standard", body.replace(b"4900", b"9400"), headers)
    with pytest.raises(Unauthenticated):
        payments.receive(tenant.tenant_id, "stripe", body, headers)  # no stripe secret set
    assert faked.stored() == before


def test_a_signed_body_kindly_cannot_read_is_invalid_and_moves_nothing(payments, accounts, faked, tenant):
    put_account(accounts, tenant)
    faked.webhook_secrets.put(tenant.tenant_id, "standard", wh.STANDARD_SECRET)
    body = wh.body({"type": "payment.succeeded", "timestamp": "2026-11-28T09:00:00Z",
                    "data": {"account_id": ACCOUNT_ID, "payment_id": "pay_1", "amount": "lots", "currency": "EUR"}})
    before = faked.stored()

    with pytest.raises(InvalidInput):
        payments.receive(tenant.tenant_id, "standard", body, wh.standard_headers(body, "evt_1"))
    assert faked.stored() == before


def test_a_webhook_secret_is_kept_and_a_bad_one_or_an_unknown_provider_is_refused(payments, faked, tenant):
    payments.put_secret(tenant.tenant_id, "stripe", {"secret": "whsec_abc123"})
    assert faked.webhook_secrets.get(tenant.tenant_id, "stripe") == "whsec_abc123"

    with pytest.raises(NotFound):
        payments.put_secret(tenant.tenant_id, "bitcoin", {"secret": "s"})
    with pytest.raises(InvalidInput):
        payments.put_secret(tenant.tenant_id, "standard", {"secret": "whsec_not!base64"})
    assert faked.webhook_secrets.secrets == {(tenant.tenant_id, "stripe"): "whsec_abc123"}


def test_a_payment_that_loses_a_race_with_a_reminder_is_applied_on_a_fresh_read(payments, accounts, faked, tenant):
    put_account(accounts, tenant)

    def reminder_meanwhile():
        current = stored(faked, tenant)
        current.record(faked.clock.now(), "message_deferred", "system", {})
        faked.accounts.save(current)

    faked.accounts.before_next_write(reminder_meanwhile)
    assert pay(payments, faked, tenant, amount=4900) == ["applied"]

    assert stored(faked, tenant).state == "settled"
    assert faked.accounts.audit_types(tenant.tenant_id, ACCOUNT_ID)[-2:] == ["message_deferred", "payment_succeeded"]
