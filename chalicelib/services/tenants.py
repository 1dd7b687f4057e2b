"""Creating tenants and recognising their API keys."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import NotFound, Unauthenticated
from chalicelib.domain.tenants import API_KEY_PREFIX, ApiKey, Tenant, hash_api_key, new_api_key, new_tenant_id

if TYPE_CHECKING:  # the queue worker reads tenants and never parses one: it never loads pydantic
    from chalicelib.domain.ports import Clock, SenderIdentities, TenantRepository
    from chalicelib.inputs.tenants import TenantIn

KEY_CACHE_SECONDS = 60


class TenantService:
    def __init__(self, tenants: TenantRepository, email: SenderIdentities, clock: Clock) -> None:
        self._tenants = tenants
        self._email = email
        self._clock = clock
        self._key_cache: dict[str, tuple[float, ApiKey]] = {}
        self._tenant_cache: dict[str, tuple[float, Tenant]] = {}

    def create(self, data: TenantIn, *, verify_sender: bool = True) -> tuple[Tenant, str]:
        """The tenant and its API key; `verify_sender=False` when a domain identity already covers the sender
        (on AWS an address identity would mail a verification link nobody needs to click)."""
        now = self._clock.now()
        tenant = Tenant(new_tenant_id(), data.name, data.sender_email, data.country, data.timezone, data.locale,
                        data.role, data.support_email, data.sms_sender_id, now, data.display_name, data.logo_url,
                        data.accent_color, reply_to=data.reply_to)
        key, key_id = new_api_key()
        self._tenants.add(tenant, ApiKey(key_id, hash_api_key(key), tenant.tenant_id, now))
        if verify_sender:
            self._email.verify_sender(tenant.sender_email)
        return tenant, key

    def authenticate(self, authorization: str | None) -> ApiKey:
        """Resolve `Authorization: Bearer <key>` to the key's record; Unauthenticated otherwise."""
        scheme, _, key = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer":  # auth schemes are case-insensitive (RFC 9110 11.1)
            raise Unauthenticated("send your API key as 'Authorization: Bearer <key>'")
        key = key.strip()
        if not key.startswith(API_KEY_PREFIX) or len(key) > 200:
            raise Unauthenticated("this API key is not valid")
        digest = hash_api_key(key)
        cached = self._key_cache.get(digest)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        record = self._tenants.key_by_hash(digest)
        if record is None:
            raise Unauthenticated("this API key is not valid")
        self._key_cache[digest] = (time.monotonic() + KEY_CACHE_SECONDS, record)
        return record

    def set_excluded_days(self, tenant_id: str, body: str | bytes | dict[str, Any]) -> Tenant:
        """Replace the days the tenant is closed; reminders due on them wait for the next open day."""
        from chalicelib.inputs.parsing import parse
        from chalicelib.inputs.tenants import ExcludedDaysIn

        data = parse(ExcludedDaysIn, body)
        tenant = self._tenants.set_excluded_days(tenant_id, data.days)
        if tenant is None:
            raise NotFound(f"no tenant {tenant_id!r}", "tenant")
        self._tenant_cache[tenant_id] = (time.monotonic() + KEY_CACHE_SECONDS, tenant)
        return tenant

    def set_reply_to(self, tenant_id: str, address: str) -> Tenant:
        """Where debtors' written replies go from now on ('' clears it: replies then go to the support address).
        InvalidInput for an address that is not one, NotFound for an unknown tenant; nothing is written then."""
        from chalicelib.inputs.fields import email_or_nothing

        tenant = self._tenants.set_reply_to(tenant_id, email_or_nothing(address, "reply_to"))
        if tenant is None:
            raise NotFound(f"no tenant {tenant_id!r}", "tenant")
        self._tenant_cache[tenant_id] = (time.monotonic() + KEY_CACHE_SECONDS, tenant)
        return tenant

    def get(self, tenant_id: str) -> Tenant | None:
        cached = self._tenant_cache.get(tenant_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        tenant = self._tenants.get(tenant_id)
        if tenant is not None:
            self._tenant_cache[tenant_id] = (time.monotonic() + KEY_CACHE_SECONDS, tenant)
        return tenant
