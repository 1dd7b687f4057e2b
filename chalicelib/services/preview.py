"""Policy preview: every message a policy would send an account over the next N days, when (in the
debtor's local time), and which rule would hold one back. A dry simulation on the pure domain: nothing is
read beyond the account and policy, nothing is written, nothing is sent."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.closures import with_excluded_days
from chalicelib.domain.errors import NotFound
from chalicelib.domain.ports import AccountRepository, Clock, HolidayCalendar, PolicyBook, TenantLookup
from chalicelib.domain.simulation import simulate
from chalicelib.domain.times import iso
from chalicelib.inputs.accounts import account_from_input
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.preview import PreviewIn


class PreviewService:
    def __init__(self, accounts: AccountRepository, policies: PolicyBook, tenants: TenantLookup,
                 holidays: HolidayCalendar, clock: Clock) -> None:
        self._accounts = accounts
        self._policies = policies
        self._tenants = tenants
        self._holidays = holidays
        self._clock = clock

    def preview(self, tenant_id: str, name: str, body: str | bytes | dict[str, Any]) -> dict[str, Any]:
        data = parse(PreviewIn, body)
        policy = self._policies.get(tenant_id, name)
        tenant = self._tenants.get(tenant_id)
        if data.account_id is not None:
            found = self._accounts.get(tenant_id, data.account_id)
            if found is None:
                raise NotFound(f"no account {data.account_id!r}", "account_id")
            account = found
        else:
            assert data.account is not None
            account = account_from_input(tenant_id, "preview", data.account, tenant.locale if tenant else "en-US")
        start = data.start or self._clock.now()
        closed = tenant.excluded_days if tenant else ()  # the days the tenant closes hold reminders too
        return {
            "policy": policy.name, "version": policy.version, "account_id": account.account_id,
            "from": iso(start), "days": data.days,
            "policy_applied": self._policies.applied(account).to_dict(),  # the policy in force for this account
            "messages": simulate(account, policy, start, data.days, with_excluded_days(self._holidays, closed)),
        }
