"""The console's settings page: how the tenant sends, its webhook secrets (set, never shown), its changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.domain.errors import NotFound
from chalicelib.domain.ports import Clock, ConsoleChanges, TenantLookup, WebhookSecrets
from chalicelib.domain.tenants import Tenant

PROVIDERS = ("stripe", "paddle", "gocardless", "standard")  # adapters/processors: a webhook per processor
RECENT_CHANGES = 20


class ConsoleSettings:
    def __init__(self, tenants: TenantLookup, secrets: WebhookSecrets,
                 put_secret: Callable[[str, str, dict[str, Any]], None], changes: ConsoleChanges,
                 clock: Clock, *, set_reply_to: Callable[[str, str], Tenant],
                 summary_address: Callable[[str], str | None],
                 set_summary_address: Callable[[str, str], str | None]) -> None:
        self._tenants = tenants
        self._secrets = secrets
        self._put_secret = put_secret  # services.payments: the API's own checks of a secret
        self._changes = changes
        self._clock = clock
        self._set_reply_to = set_reply_to  # services.tenants: checks the address, writes nothing if it is bad
        self._summary_address = summary_address  # services.daily_summary
        self._set_summary_address = set_summary_address

    def view(self, tenant_id: str) -> dict[str, Any]:
        tenant = self._tenants.get(tenant_id)
        if tenant is None:
            raise NotFound(f"no tenant {tenant_id!r}", "tenant")
        return {
            "tenant": tenant,
            "reply_to": tenant.reply_to,
            "reply_address": tenant.reply_address,  # what emails carry: the reply-to, else the support address
            "summary_to": self._summary_address(tenant_id),
            "secrets": [(provider, self._secrets.get(tenant_id, provider) is not None) for provider in PROVIDERS],
            "changes": self._changes.recent(tenant_id, RECENT_CHANGES),
        }

    def set_webhook_secret(self, tenant_id: str, provider: str, secret: str, actor: str) -> None:
        """Checked as the API checks it (InvalidInput naming the field, NotFound for an unknown processor);
        the change is recorded without the secret."""
        self._put_secret(tenant_id, provider, {"secret": secret})
        self._changes.record(tenant_id, self._clock.now(), actor, "webhook_secret_set", {"provider": provider})

    def set_sending(self, tenant_id: str, actor: str, *, reply_to: str | None = None,
                    summary_to: str | None = None) -> None:
        """Where debtors' written replies go and where the daily summary goes ('' clears either; None leaves it).
        Both addresses are checked before either is written; each change is recorded with the address kept."""
        from chalicelib.inputs.fields import email_or_nothing

        if reply_to is not None:
            email_or_nothing(reply_to, "reply_to")
        if summary_to is not None:
            email_or_nothing(summary_to, "summary_to")
        now = self._clock.now()
        if reply_to is not None:
            tenant = self._set_reply_to(tenant_id, reply_to)
            self._changes.record(tenant_id, now, actor, "reply_to_set", {"reply_to": tenant.reply_to or ""})
        if summary_to is not None:
            kept = self._set_summary_address(tenant_id, summary_to)
            self._changes.record(tenant_id, now, actor, "daily_summary_set", {"to": kept or ""})
