"""The console's settings page: how the tenant sends, its webhook secrets (set, never shown), its changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.errors import NotFound
from chalicelib.domain.ports import Clock, ConsoleChanges, TenantLookup, WebhookSecrets

PROVIDERS = ("stripe", "paddle", "gocardless", "standard")  # adapters/processors: a webhook per processor
RECENT_CHANGES = 20


class ConsoleSettings:
    def __init__(self, tenants: TenantLookup, secrets: WebhookSecrets,
                 put_secret: Callable[[str, str, dict[str, Any]], None], changes: ConsoleChanges,
                 clock: Clock) -> None:
        self._tenants = tenants
        self._secrets = secrets
        self._put_secret = put_secret  # services.payments: the API's own checks of a secret
        self._changes = changes
        self._clock = clock

    def view(self, tenant_id: str) -> dict[str, Any]:
        tenant = self._tenants.get(tenant_id)
        if tenant is None:
            raise NotFound(f"no tenant {tenant_id!r}", "tenant")
        return {
            "tenant": tenant,
            # reply_to arrives with another change; until then the page leaves the row out.
            "has_reply_to": hasattr(tenant, "reply_to"),
            "reply_to": getattr(tenant, "reply_to", None),
            "secrets": [(provider, self._secrets.get(tenant_id, provider) is not None) for provider in PROVIDERS],
            "changes": self._changes.recent(tenant_id, RECENT_CHANGES),
        }

    def set_webhook_secret(self, tenant_id: str, provider: str, secret: str, actor: str) -> None:
        """Checked as the API checks it (InvalidInput naming the field, NotFound for an unknown processor);
        the change is recorded without the secret."""
        self._put_secret(tenant_id, provider, {"secret": secret})
        self._changes.record(tenant_id, self._clock.now(), actor, "webhook_secret_set", {"provider": provider})
