"""Policies, one item per version."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import PutError

from chalicelib.adapters.dynamodb import mapping
from chalicelib.adapters.dynamodb.models import Models
from chalicelib.domain.errors import Conflict
from chalicelib.domain.policies import Policy
from chalicelib.domain.times import iso


class DynamoPolicies:
    def __init__(self, models: Models) -> None:
        self._model = models.policies

    def latest(self, tenant_id: str, name: str) -> Policy | None:
        for item in self._model.query(
            tenant_id, self._model.policy_key.startswith(f"{name}#"), scan_index_forward=False, limit=1,
            consistent_read=True,
        ):
            return mapping.body_to_policy(item.name, int(item.version), item.body)
        return None

    def all_latest(self, tenant_id: str) -> list[Policy]:
        latest: dict[str, Policy] = {}
        for item in self._model.query(tenant_id, consistent_read=True):  # versions in key order: the last wins
            latest[item.name] = mapping.body_to_policy(item.name, int(item.version), item.body)
        return list(latest.values())

    def versions(self, tenant_id: str, name: str) -> list[Policy]:
        found = self._model.query(tenant_id, self._model.policy_key.startswith(f"{name}#"), consistent_read=True)
        return [mapping.body_to_policy(item.name, int(item.version), item.body) for item in found]

    def add_version(self, tenant_id: str, policy: Policy, now: datetime) -> Policy:
        current = self.latest(tenant_id, policy.name)
        version = (current.version if current else 0) + 1
        item = self._model(
            tenant_id, f"{policy.name}#{version:08d}", name=policy.name, version=version,
            body=mapping.policy_to_body(policy), created_at=iso(now),
        )
        try:
            item.save(condition=self._model.policy_key.does_not_exist())
        except PutError as exc:
            raise Conflict("another change to this policy landed first; try again", "name") from exc
        return mapping.body_to_policy(policy.name, version, mapping.policy_to_body(policy))
