"""Policies: the stored versions, the policies in force, and changing them as the API does."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a use case loads the domain modules it works with, not every port's
    from ..accounts import Account
    from ..policies import Policy
    from ..segments import PolicyApplied


class PolicyRepository(Protocol):
    def latest(self, tenant_id: str, name: str) -> Policy | None: ...

    def all_latest(self, tenant_id: str) -> list[Policy]:
        """The latest version of each of the tenant's stored policies (built-in ones are not stored)."""

    def add_version(self, tenant_id: str, policy: Policy, now: datetime) -> Policy: ...

    def versions(self, tenant_id: str, name: str) -> list[Policy]:
        """Every stored version of one policy, oldest first (empty for one never stored)."""


# --- what one use case offers the others (the container wires the service that implements each) ---------------

class PolicyBook(Protocol):
    """The policies in force (services.policies.PolicyService)."""

    def exists(self, tenant_id: str, name: str) -> bool: ...

    def get(self, tenant_id: str, name: str) -> Policy:
        """The latest version, or a built-in policy; NotFound naming `name` if there is neither."""

    def resolve(self, tenant_id: str, name: str) -> Policy: ...

    def applied(self, account: Account) -> PolicyApplied:
        """The policy the account names, else the first whose segment it matches, else standard; and why."""

    def for_account(self, account: Account) -> Policy:
        """The policy in force for the account (see applied)."""


class PolicyEditing(Protocol):
    """Changing policies as the API does (services.policies.PolicyService), for the console's editor."""

    def build(self, name: str, body: dict[str, Any]) -> Policy:
        """The policy a body describes, checked as a PUT is; InvalidInput naming the field; stores nothing."""

    def put(self, tenant_id: str, name: str, body: dict[str, Any]) -> Policy:
        """A new version; InvalidInput naming the field, nothing stored, when the body is wrong."""

    def versions(self, tenant_id: str, name: str) -> list[Policy]:
        """Every version, oldest first (the built-in one when never changed); empty for an unknown name."""

    def all_latest(self, tenant_id: str) -> list[Policy]:
        """The newest version of each policy, built-in ones included."""
