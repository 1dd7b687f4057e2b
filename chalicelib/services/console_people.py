"""The finance console's people: who may sign in to a tenant's console, and with which role."""

from __future__ import annotations

from chalicelib.domain.console import ConsoleUser, new_user_id, normal_email
from chalicelib.domain.errors import NotFound
from chalicelib.domain.ports import Clock, ConsoleChanges, ConsoleUsers, TenantLookup
from chalicelib.inputs.console import UserIn
from chalicelib.inputs.parsing import parse


class ConsolePeople:
    def __init__(self, users: ConsoleUsers, tenants: TenantLookup, changes: ConsoleChanges, clock: Clock) -> None:
        self._users = users
        self._tenants = tenants
        self._changes = changes
        self._clock = clock

    def add(self, tenant_id: str, email: str, role: str, actor: str) -> ConsoleUser:
        """A new person of the tenant's finance team; InvalidInput naming the field, Conflict on a known address."""
        if self._tenants.get(tenant_id) is None:
            raise NotFound(f"no tenant {tenant_id!r}", "tenant")
        given = parse(UserIn, {"email": email.strip(), "role": role})
        now = self._clock.now()
        user = ConsoleUser(tenant_id, new_user_id(), normal_email(given.email), given.role, now)
        self._users.add(user)
        self._changes.record(tenant_id, now, actor, "user_added", {"user_id": user.user_id, "role": user.role})
        return user

    def of_tenant(self, tenant_id: str) -> list[ConsoleUser]:
        return self._users.of_tenant(tenant_id)

    def remove(self, tenant_id: str, user_id: str, actor: str) -> None:
        """Forget the person; their sessions end at their next request (each request reads the person)."""
        if not self._users.remove(tenant_id, user_id):
            raise NotFound(f"no person {user_id!r} in this tenant", "user_id")
        self._changes.record(tenant_id, self._clock.now(), actor, "user_removed", {"user_id": user_id})
