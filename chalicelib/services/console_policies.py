"""The console's policy pages: the tenant's policies and their versions, a preview of an edited policy on three
sample debtors before anything is saved, saving a new version (the API's own path, recorded as the person's
change), and the differences between two versions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from msgspec import Struct

from chalicelib.domain.accounts import Account
from chalicelib.domain.closures import with_excluded_days
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.policies import BUILT_IN, Policy
from chalicelib.domain.policy_diff import PolicyDiff, diff
from chalicelib.domain.ports import Clock, ConsoleChanges, HolidayCalendar, PolicyEditing, TenantLookup
from chalicelib.domain.segments import in_order
from chalicelib.domain.simulation import simulate
from chalicelib.inputs.accounts import AccountIn, account_from_input
from chalicelib.inputs.parsing import parse

PREVIEW_DAYS = 60
DUE_IN_DAYS = 5  # the samples' invoice falls due a few days ahead, so a heads-up shows as well as reminders


class SampleDebtor(Struct, frozen=True):
    """Someone a preview is run for: built in memory for each preview, never stored."""

    label: str
    country: str
    region: str | None
    timezone: str
    locale: str
    phone: str
    currency: str
    amount: int


SAMPLES = (
    SampleDebtor("Lucía, Madrid (es-ES)", "ES", None, "Europe/Madrid", "es-ES", "+34600123456", "EUR", 12000),
    SampleDebtor("Sam, Miami (en-US, Eastern time)", "US", "FL", "America/New_York", "en-US", "+13055550142",
                 "USD", 45000),
    SampleDebtor("Jonas, Berlin (de-DE)", "DE", None, "Europe/Berlin", "de-DE", "+4915112345678", "EUR", 8900),
)


class PolicyRow(Struct, frozen=True):
    """One line of the policies list."""

    policy: Policy

    @property
    def built_in(self) -> bool:
        return self.policy.version == 0  # never changed by the tenant

    @property
    def priority(self) -> int | None:
        value = self.policy.segment.get("priority")
        return None if value is None else int(value)


class ConsolePolicies:
    def __init__(self, policies: PolicyEditing, tenants: TenantLookup, holidays: HolidayCalendar,
                 changes: ConsoleChanges, clock: Clock) -> None:
        self._policies = policies
        self._tenants = tenants
        self._holidays = holidays
        self._changes = changes
        self._clock = clock

    def listing(self, tenant_id: str) -> list[PolicyRow]:
        """Every policy of the tenant (`standard` too, even never changed): those segments choose from first, in
        the order they are tried, then the rest by name."""
        latest = self._policies.all_latest(tenant_id)
        ranked = in_order(latest)
        rest = [p for p in latest if p not in ranked]
        return [PolicyRow(p) for p in ranked + rest]

    def versions(self, tenant_id: str, name: str) -> list[Policy]:
        """Every version, oldest first; NotFound naming `name` when the tenant has no such policy. A built-in
        policy the tenant changed keeps its built-in version 0 first, so its first change can be diffed too."""
        found = self._policies.versions(tenant_id, name)
        if found and found[0].version != 0 and name in BUILT_IN:
            found = [BUILT_IN[name], *found]
        if not found:
            raise NotFound(f"no policy named {name!r}", "name")
        return found

    def version(self, tenant_id: str, name: str, number: str | None) -> Policy:
        """One version (the latest when `number` is None); NotFound or InvalidInput naming `version`."""
        found = self.versions(tenant_id, name)
        if number is None or number == "":
            return found[-1]
        if not number.isdigit():
            raise InvalidInput("version must be a number", "version")
        for policy in found:
            if policy.version == int(number):
                return policy
        raise NotFound(f"policy {name!r} has no version {number}", "version")

    def build(self, name: str, body: dict[str, Any]) -> Policy:
        """The edited policy, checked as the API checks it; InvalidInput naming the field. Stores nothing."""
        return self._policies.build(name, body)

    def preview(self, tenant_id: str, policy: Policy) -> list[dict[str, Any]]:
        """What each sample debtor would receive over the next 60 days under `policy`, stored or not."""
        tenant = self._tenants.get(tenant_id)
        calendar = with_excluded_days(self._holidays, tenant.excluded_days if tenant else ())
        start = self._clock.now()
        return [{"debtor": sample, "messages": [_shown(m) for m in simulate(
            _sample_account(tenant_id, sample, policy.name, start), policy, start, PREVIEW_DAYS, calendar)]}
            for sample in SAMPLES]

    def save(self, tenant_id: str, name: str, body: dict[str, Any], actor: str) -> Policy:
        """A new version, through the API's own path; the change is recorded under the person's name."""
        stored = self._policies.put(tenant_id, name, body)
        self._changes.record(tenant_id, self._clock.now(), actor, "policy_saved",
                             {"policy": name, "version": str(stored.version)})
        return stored

    def diff(self, tenant_id: str, name: str, before: str | None, after: str | None) -> PolicyDiff:
        """Two versions compared (by default the one before the latest, and the latest)."""
        found = self.versions(tenant_id, name)
        default_before = str(found[-2].version) if len(found) > 1 else str(found[-1].version)
        return diff(self.version(tenant_id, name, before or default_before), self.version(tenant_id, name, after))


def _sample_account(tenant_id: str, sample: SampleDebtor, policy: str, now: datetime) -> Account:
    today = now.date()
    body = {
        "name": sample.label.split(",")[0], "email": f"{sample.country.lower()}-sample@example.com",
        "phone": sample.phone, "locale": sample.locale, "timezone": sample.timezone, "country": sample.country,
        "region": sample.region, "policy": policy,
        "sms_consent": {"source": "console-preview", "at": (now - timedelta(days=90)).isoformat()},
        "invoices": [{"id": "SAMPLE-1", "amount": sample.amount, "currency": sample.currency,
                      "issued_on": (today - timedelta(days=25)).isoformat(),
                      "due_on": (today + timedelta(days=DUE_IN_DAYS)).isoformat()}],
    }
    return account_from_input(tenant_id, f"sample-{sample.country.lower()}", parse(AccountIn, body), sample.locale)


def _shown(message: dict[str, Any]) -> dict[str, Any]:
    """A simulated message as the page shows it: the debtor's local day and hour, what it is, why held."""
    local = datetime.fromisoformat(message["local_time"])
    what = message.get("action") or f"{message.get('channel')} · {message.get('template')}"
    return {"local": local.strftime("%a %d %b %H:%M"), "what": what, "withheld": message.get("withheld"),
            "deferred_by": message.get("deferred_by")}
