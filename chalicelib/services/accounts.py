"""Intake: upserting accounts with their invoices, reading them, and setting flags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from chalicelib.domain import accounts as acc
from chalicelib.domain.accounts import Account, Flag, found_account
from chalicelib.domain.conflicts import retry_on_conflict
from chalicelib.domain.disputes import OPENED, dispute_invoice
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.finance_events import finance_event
from chalicelib.domain.payments import SHOWN_LINES, shown_lines
from chalicelib.domain.ports import AccountRepository, Clock, FinanceNotifier, PolicyBook, TenantLookup
from chalicelib.domain.schedule import local_day, recipient_zones, refresh_schedule
from chalicelib.inputs.accounts import AccountIn, account_from_input
from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.ids import check_account_id
from chalicelib.inputs.parsing import parse


class AccountService:
    def __init__(self, accounts: AccountRepository, policies: PolicyBook, tenants: TenantLookup, clock: Clock,
                 on_upsert: Callable[[Account], bool] | None = None, notifier: FinanceNotifier | None = None
                 ) -> None:
        self._accounts = accounts
        self._policies = policies
        self._tenants = tenants
        self._clock = clock
        # Told of each account upserted (payments that came before it are applied then); True if it changed it.
        self._on_upsert = on_upsert
        self._notifier = notifier  # told of each invoice disputed (finance's dispute_opened)

    def upsert(self, tenant_id: str, account_id: str, body: str | bytes | dict[str, Any], actor: str
               ) -> tuple[Account, bool]:
        check_account_id(account_id)
        data = parse(AccountIn, body)
        if data.policy is not None and not self._policies.exists(tenant_id, data.policy):
            raise InvalidInput(f"no policy named {data.policy!r}", "policy")
        tenant = self._tenants.get(tenant_id)
        incoming = account_from_input(tenant_id, account_id, data, tenant.locale if tenant else "en-US")
        account, created = retry_on_conflict(lambda: self._upsert_once(incoming, actor))
        # Also after a repeat that wrote nothing: a retried PUT (say, after a failure just here) still brings the
        # payments that were waiting for this account.
        if self._on_upsert is not None and self._on_upsert(account):
            account = self._accounts.get(tenant_id, account_id) or account
        return account, created

    def _upsert_once(self, incoming: Account, actor: str) -> tuple[Account, bool]:
        now = self._clock.now()
        current = self._accounts.get(incoming.tenant_id, incoming.account_id)
        if current is not None and _billing_data(current) == _billing_data(incoming):
            return current, False  # a repeat writes nothing: retries are free and the audit stays quiet
        account = incoming if current is None else acc.with_profile(current, incoming)
        if current is None or _schedule_inputs(current) != _schedule_inputs(incoming):
            # Only what moves the schedule resets it; a new phone number keeps a pending deferral.
            refresh_schedule(account, self._policies.for_account(account))
        account.created_at = current.created_at if current else now
        account.updated_at = now
        account.record(now, "account_created" if current is None else "account_updated", actor, {
            "balance": account.balance(),
            "invoices": [i.invoice_id for i in account.invoices],
            "state": account.state,
            "next_action_at": account.to_dict()["next_action_at"],
        })
        new_refs = account.processor_ref_keys() - (current.processor_ref_keys() if current else set())
        if new_refs:
            self._accounts.add_refs(account, new_refs)
        self._accounts.save(account)
        return account, current is None

    def view(self, account: Account) -> dict[str, Any]:
        """The account as the API shows it, with the policy that applies and why, and its latest payments (from the
        payments collection when the account item does not carry them all)."""
        shown = {**account.to_dict(), "policy_applied": self._policies.applied(account).to_dict()}
        if account.has_older_lines():
            stored = self._accounts.recent_payments(account.tenant_id, account.account_id, SHOWN_LINES)
            shown["payments"] = [line.to_dict() for line in shown_lines(account.payments, stored)]
        return shown

    def get(self, tenant_id: str, account_id: str) -> Account:
        check_account_id(account_id)
        return found_account(self._accounts.get(tenant_id, account_id), account_id)

    def set_flag(self, tenant_id: str, account_id: str, data: FlagIn, actor: str) -> Account:
        check_account_id(account_id)
        return retry_on_conflict(lambda: self._set_flag_once(tenant_id, account_id, data, actor))

    def _set_flag_once(self, tenant_id: str, account_id: str, data: FlagIn, actor: str) -> Account:
        account = self.get(tenant_id, account_id)
        now = self._clock.now()
        if data.invoice_id is not None:
            return self._dispute_invoice(account, data, actor, now)
        if data.until is not None and data.until <= local_day(now, recipient_zones(account)):
            # A flag holds until `until` begins in the debtor's calendar: one ending today would never hold.
            raise InvalidInput("until must be a future date in the debtor's time zone", "until")
        account.flags = {**account.flags, data.flag: Flag(data.flag, data.active, now, data.until, data.note, actor)}
        refresh_schedule(account, self._policies.for_account(account))
        if account.state == acc.ACTIVE and account.holding_flags(local_day(now, recipient_zones(account))):
            account.state = acc.PAUSED  # the next sweep records each withheld step against this flag
        account.updated_at = now
        account.record(now, "flag_set" if data.active else "flag_cleared", actor, {
            "flag": data.flag, "until": data.until.isoformat() if data.until else None,
            "next_action_at": account.to_dict()["next_action_at"],
        })
        self._accounts.save(account)
        return account

    def _dispute_invoice(self, account: Account, data: FlagIn, actor: str, now: datetime) -> Account:
        """Hold (or release) one invoice: the others go on. A repeat writes nothing."""
        assert data.invoice_id is not None
        made = dispute_invoice(account, data.invoice_id, data.active, now, data.note, actor)
        if made is None:
            return account
        event_type, details = made
        refresh_schedule(account, self._policies.for_account(account))
        if account.state == acc.ACTIVE and account.holding_flags(local_day(now, recipient_zones(account))):
            account.state = acc.PAUSED  # every open invoice is now disputed
        if event_type == OPENED and self._notifier is not None:
            # Told before the save: a retry after a failed save tells finance again, with the same event id.
            self._notifier.publish(account.tenant_id, finance_event(
                OPENED, account.tenant_id, account.account_id, now, about=f"audit:{account.audit_head.seq + 1}",
                invoice_id=data.invoice_id, balance=account.balance(), source="api"))
        account.updated_at = now
        account.record(now, event_type, actor, {
            **details, "next_action_at": account.to_dict()["next_action_at"]})
        self._accounts.save(account)
        return account


def _billing_data(account: Account) -> tuple[Any, ...]:
    """What the billing system owns on an account (the rest is Kindly's own state)."""
    return (account.name, account.email, account.phone, account.locale, account.timezone, account.country,
            account.region, account.sms_consent, account.policy, account.processor_ids, account.tags,
            account.invoices)


def _schedule_inputs(account: Account) -> tuple[Any, ...]:
    return (account.invoices, account.timezone, account.country, account.region, account.policy, account.tags)
