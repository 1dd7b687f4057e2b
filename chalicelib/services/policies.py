"""Putting, reading and resolving reminder policies."""

from __future__ import annotations

import re
import time as monotonic_time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.domain.accounts import Account
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.policies import BUILT_IN, Caps, Policy, SendWindow, Step, validate_policy
from chalicelib.domain.segments import PolicyApplied, choose_policy, in_order

if TYPE_CHECKING:  # annotations only: the queue worker never loads every port
    from chalicelib.domain.ports import Clock, PolicyRepository

POLICY_CACHE_SECONDS = 30


class PolicyService:
    def __init__(self, policies: PolicyRepository, clock: Clock, templates: Callable[[], dict[str, set[str]]]) -> None:
        self._policies = policies
        self._clock = clock
        self._templates = templates
        self._cache: dict[tuple[str, str], tuple[float, Policy]] = {}
        self._ranked: dict[str, tuple[float, list[Policy]]] = {}  # per tenant: the policies segments choose from

    def put(self, tenant_id: str, name: str, body: str | bytes | dict[str, Any]) -> Policy:
        """A new version of the policy; InvalidInput naming the field (and nothing stored) when it is wrong."""
        policy = self.build(name, body)  # checked first: nothing else is read for a wrong body
        stored = self._policies.add_version(tenant_id, policy, self._clock.now())
        self._cache.pop((tenant_id, name), None)
        self._ranked.pop(tenant_id, None)
        return stored

    def build(self, name: str, body: str | bytes | dict[str, Any]) -> Policy:
        """The policy a body describes, checked as a PUT checks it, without storing it (the console's preview)."""
        # Here, not at the top: the queue worker resolves policies and never parses one, so it never loads pydantic.
        from chalicelib.inputs.fields import NAME_PATTERN
        from chalicelib.inputs.parsing import parse
        from chalicelib.inputs.policies import PolicyIn

        if not re.fullmatch(NAME_PATTERN, name):
            raise InvalidInput("a policy name is lowercase letters, digits, '-' and '_'", "name")
        data = parse(PolicyIn, body)
        policy = Policy(
            name=name,
            steps=tuple(Step(s.offset_days, s.channel, s.template, s.action) for s in data.steps),
            send_window=SendWindow(
                datetime.strptime(data.send_window.start, "%H:%M").time(),
                datetime.strptime(data.send_window.end, "%H:%M").time(),
                frozenset(data.send_window.weekdays),
            ),
            caps=Caps(data.caps.email_per_7d, data.caps.sms_per_7d, data.caps.per_day),
            plans=data.plans.model_dump(),
            settlement=data.settlement.model_dump() if data.settlement else None,
            promise=data.promise.model_dump(),
            hardship_pause_days=data.hardship_pause_days,
            segment=data.segment.model_dump(),
            require_approval_first_run=data.require_approval_first_run,
            early_heads_up=data.early_heads_up.model_dump() if data.early_heads_up else None,
        )
        validate_policy(policy, self._templates())
        return policy

    def versions(self, tenant_id: str, name: str) -> list[Policy]:
        """Every version of the policy, oldest first: the stored ones, or the built-in one never changed."""
        stored = self._policies.versions(tenant_id, name)
        if stored:
            return stored
        return [BUILT_IN[name]] if name in BUILT_IN else []

    def all_latest(self, tenant_id: str) -> list[Policy]:
        """The newest version of each of the tenant's policies, built-in ones included, by name."""
        latest = {policy.name: policy for policy in self._policies.all_latest(tenant_id)}
        return sorted({**BUILT_IN, **latest}.values(), key=lambda p: p.name)

    def get(self, tenant_id: str, name: str) -> Policy:
        policy = self._policies.latest(tenant_id, name) or BUILT_IN.get(name)
        if policy is None:
            raise NotFound(f"no policy named {name!r}", "name")
        return policy

    def exists(self, tenant_id: str, name: str) -> bool:
        return name in BUILT_IN or self._policies.latest(tenant_id, name) is not None

    def resolve(self, tenant_id: str, name: str) -> Policy:
        """The policy in force, cached briefly: a batch of reminders reads it once."""
        key = (tenant_id, name)
        cached = self._cache.get(key)
        if cached and cached[0] > monotonic_time.monotonic():
            return cached[1]
        policy = self.get(tenant_id, name)
        self._cache[key] = (monotonic_time.monotonic() + POLICY_CACHE_SECONDS, policy)
        return policy

    def applied(self, account: Account) -> PolicyApplied:
        """Which policy applies to the account, and why: the one it names, else the first segment it matches."""
        if account.policy:
            return choose_policy(account, [])
        return choose_policy(account, self._segmented(account.tenant_id))

    def for_account(self, account: Account) -> Policy:
        return self.resolve(account.tenant_id, self.applied(account).name)

    def _segmented(self, tenant_id: str) -> list[Policy]:
        """The tenant's policies that segments choose from, read once per cache period (a sweep's batch)."""
        cached = self._ranked.get(tenant_id)
        if cached and cached[0] > monotonic_time.monotonic():
            return cached[1]
        ranked = in_order(self._policies.all_latest(tenant_id))
        expires = monotonic_time.monotonic() + POLICY_CACHE_SECONDS
        self._ranked[tenant_id] = (expires, ranked)
        for policy in ranked:  # the policies just read are the ones in force: no second read to resolve them
            self._cache[(tenant_id, policy.name)] = (expires, policy)
        return ranked
