"""Tenants: the tenants and their API keys, and each tenant's payment processors' webhook secrets."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: a use case loads the domain modules it works with, not every port's
    from ..tenants import ApiKey, Tenant


class TenantRepository(Protocol):
    def get(self, tenant_id: str) -> Tenant | None: ...

    def add(self, tenant: Tenant, key: ApiKey) -> None: ...

    def key_by_hash(self, key_hash: str) -> ApiKey | None: ...

    def set_excluded_days(self, tenant_id: str, days: tuple[date, ...]) -> Tenant | None:
        """Replace the tenant's excluded days; the tenant as stored, or None if there is no such tenant."""

    def set_reply_to(self, tenant_id: str, reply_to: str | None) -> Tenant | None:
        """Set (None: clear) where debtors' written replies go; the tenant as stored, or None if there is none."""


class WebhookSecrets(Protocol):
    def put(self, tenant_id: str, provider: str, secret: str) -> None: ...

    def get(self, tenant_id: str, provider: str) -> str | None: ...


# --- what one use case offers the others (the container wires the service that implements each) ---------------

class TenantLookup(Protocol):
    """A tenant by id (services.tenants.TenantService)."""

    def get(self, tenant_id: str) -> Tenant | None: ...
