"""Use cases run for real, wired by the real Container, over the in-memory fakes (no socket, no moto).

Each use case is reached through one fixture below, so a rename of a container attribute (metrics -> finance
figures, contact -> unsubscribe, ...) is a one-line change here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from chalicelib.domain.accounts import Account
from chalicelib.domain.tenants import Tenant
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.tenants import TenantIn
from tests.fakes import Faked, fake_container
from tests.support import samples

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # a Tuesday, 11:00 in Madrid: inside the standard window
# Processors check event times against the real clock, so payments are dated before it (and after 2000).
PAID_AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ACCOUNT_ID = "acct-1"


@pytest.fixture
def faked() -> Faked:
    return fake_container(NOW)


@pytest.fixture
def container(faked: Faked) -> Any:
    return faked.container


# --- one fixture per use case: the only place each test names the container's attribute ----------------------

@pytest.fixture
def accounts(container: Any) -> Any:
    return container.accounts


@pytest.fixture
def policies(container: Any) -> Any:
    return container.policies


@pytest.fixture
def tenants(container: Any) -> Any:
    return container.tenants


@pytest.fixture
def remind(container: Any) -> Any:
    return container.remind


@pytest.fixture
def sweep(container: Any) -> Any:
    return container.sweep


@pytest.fixture
def payments(container: Any) -> Any:
    return container.payments


@pytest.fixture
def portal(container: Any) -> Any:
    return container.portal


@pytest.fixture
def preview(container: Any) -> Any:
    return container.preview


@pytest.fixture
def feedback(container: Any) -> Any:
    return container.feedback


@pytest.fixture
def links(container: Any) -> Any:
    return container.links


@pytest.fixture
def audit(container: Any) -> Any:
    return container.audit


@pytest.fixture
def figures(container: Any, faked: Faked) -> Any:
    """The figures as the stream keeps them: every account write so far flows before each read."""

    class Streamed:
        def figures(self, tenant_id: str, period: Any = None) -> Any:
            faked.flow_stream()
            return container.figures.figures(tenant_id, period)

    return Streamed()


@pytest.fixture
def unsubscribe(container: Any) -> Any:
    return container.unsubscribe


@pytest.fixture
def finance_subscriptions(container: Any) -> Any:
    return container.finance_subscriptions


# --- shared arrangements -------------------------------------------------------------------------------------

def create_tenant(tenants: Any, **changes: Any) -> Tenant:
    body = {"name": "Acme Ltd", "sender_email": "billing@acme.example.com", "country": "ES",
            "timezone": "Europe/Madrid", "locale": "es-ES", **changes}
    created, _key = tenants.create(parse(TenantIn, body))
    return created


@pytest.fixture
def tenant(tenants: Any) -> Tenant:
    return create_tenant(tenants)


def put_account(accounts: Any, tenant: Tenant, account_id: str = ACCOUNT_ID, **changes: Any) -> Account:
    """An account as the billing system PUTs it (API.md's sample body, overdue since 15 November)."""
    account, _created = accounts.upsert(tenant.tenant_id, account_id, samples.account(**changes), "api")
    return account


def stored(faked: Faked, tenant: Tenant, account_id: str = ACCOUNT_ID) -> Account:
    account = faked.accounts.get(tenant.tenant_id, account_id)
    assert account is not None
    return account


def standard_webhook(faked: Faked, tenant: Tenant, event_id: str, amount: int, *, kind: str = "payment.succeeded",
                     payment_id: str = "pay_1", invoice_id: str | None = "INV-1001",
                     account_id: str = ACCOUNT_ID) -> tuple[bytes, dict[str, str]]:
    """A payment from the tenant's billing system, signed with Standard Webhooks (its secret set for the tenant)."""
    from tests.support import webhooks as wh

    faked.webhook_secrets.put(tenant.tenant_id, "standard", wh.STANDARD_SECRET)
    body = wh.body({"type": kind, "timestamp": PAID_AT.isoformat().replace("+00:00", "Z"), "data": {
        "account_id": account_id, "payment_id": payment_id, "amount": amount, "currency": "EUR",
        "invoice_id": invoice_id}})
    return body, wh.standard_headers(body, event_id)


def pay(payments: Any, faked: Faked, tenant: Tenant, event_id: str = "evt_1", amount: int = 4900,
        **changes: Any) -> list[str]:
    body, headers = standard_webhook(faked, tenant, event_id, amount, **changes)
    return [result.outcome for result in payments.receive(tenant.tenant_id, "standard", body, headers)]
