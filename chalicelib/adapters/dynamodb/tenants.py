"""Tenants and their API keys."""

from __future__ import annotations

from datetime import date

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb import mapping
from chalicelib.adapters.dynamodb.models import Models
from chalicelib.domain.tenants import ApiKey, Tenant
from chalicelib.domain.times import iso


class DynamoTenants:
    def __init__(self, models: Models) -> None:
        self._models = models
        self._connection = models.connection

    def get(self, tenant_id: str) -> Tenant | None:
        try:
            return mapping.item_to_tenant(self._models.tenants.get(tenant_id))
        except DoesNotExist:
            return None

    def add(self, tenant: Tenant, key: ApiKey) -> None:
        tenants, keys = self._models.tenants, self._models.api_keys
        with TransactWrite(connection=self._connection) as tx:
            tx.save(mapping.tenant_to_item(tenant, tenants), condition=tenants.tenant_id.does_not_exist())
            tx.save(
                keys(key.key_hash, key_id=key.key_id, tenant_id=key.tenant_id, created_at=iso(key.created_at)),
                condition=keys.key_hash.does_not_exist(),
            )

    def set_excluded_days(self, tenant_id: str, days: tuple[date, ...]) -> Tenant | None:
        excluded = self._models.tenants.excluded_days
        return self._update_existing(tenant_id, excluded.set([day.isoformat() for day in days]) if days
                                     else excluded.remove())

    def set_reply_to(self, tenant_id: str, reply_to: str | None) -> Tenant | None:
        attribute = self._models.tenants.reply_to
        return self._update_existing(tenant_id, attribute.set(reply_to) if reply_to else attribute.remove())

    def _update_existing(self, tenant_id: str, action: Action) -> Tenant | None:
        """Update one attribute of the tenant only if it exists; the tenant as stored, or None if there is none."""
        tenants = self._models.tenants
        try:
            tenants(tenant_id).update(actions=[action], condition=tenants.tenant_id.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return self.get(tenant_id)

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        try:
            return mapping.item_to_api_key(self._models.api_keys.get(key_hash))
        except DoesNotExist:
            return None
