"""Intake: upserting accounts with their invoices, reading them, and setting flags."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from chalicelib.domain import accounts as acc
from chalicelib.domain.accounts import Account, Flag, Invoice, SmsConsent
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.ports import AccountRepository, Clock
from chalicelib.domain.schedule import local_day, recipient_zones, refresh_schedule
from chalicelib.inputs.accounts import AccountIn
from chalicelib.inputs.fields import ID_PATTERN
from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.parsing import parse
from chalicelib.services.policies import PolicyService
from chalicelib.services.tenants import TenantService


def check_account_id(account_id: str) -> None:
    if not re.fullmatch(ID_PATTERN, account_id or ""):
        raise InvalidInput(
            "an account id is 1-128 letters, digits and . _ : @ - (starting with a letter or digit)", "account_id"
        )


def account_from_input(tenant_id: str, account_id: str, data: AccountIn, default_locale: str) -> Account:
    """The domain account an API body describes (what the billing system owns; Kindly's own state empty)."""
    return Account(
        tenant_id=tenant_id,
        account_id=account_id,
        name=data.name,
        email=data.email,
        phone=data.phone,
        locale=data.locale or default_locale,
        timezone=data.timezone,
        country=data.country,
        region=data.subdivision,
        sms_consent=SmsConsent(data.sms_consent.source, data.sms_consent.at) if data.sms_consent else None,
        policy=data.policy,
        processor_ids=dict(data.processor_ids),
        tags=list(data.tags),
        invoices=[
            Invoice(i.id, i.amount, i.currency, i.issued_on, i.due_on, i.status, i.processor_invoice_id,
                    i.payment_url)
            for i in data.invoices
        ],
    )


class AccountService:
    def __init__(self, accounts: AccountRepository, policies: PolicyService, tenants: TenantService, clock: Clock,
                 on_upsert: Callable[[Account], bool] | None = None) -> None:
        self._accounts = accounts
        self._policies = policies
        self._tenants = tenants
        self._clock = clock
        # Told of each account upserted (payments that came before it are applied then); True if it changed it.
        self._on_upsert = on_upsert

    def upsert(self, tenant_id: str, account_id: str, body: str | bytes | dict[str, Any], actor: str
               ) -> tuple[Account, bool]:
        check_account_id(account_id)
        data = parse(AccountIn, body)
        if not self._policies.exists(tenant_id, data.policy):
            raise InvalidInput(f"no policy named {data.policy!r}", "policy")
        tenant = self._tenants.get(tenant_id)
        incoming = account_from_input(tenant_id, account_id, data, tenant.locale if tenant else "en-US")
        account, created = retrying(lambda: self._upsert_once(incoming, actor))
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
            refresh_schedule(account, self._policies.resolve(account.tenant_id, account.policy))
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

    def get(self, tenant_id: str, account_id: str) -> Account:
        check_account_id(account_id)
        account = self._accounts.get(tenant_id, account_id)
        if account is None:
            raise NotFound(f"no account {account_id!r}", "account_id")
        return account

    def set_flag(self, tenant_id: str, account_id: str, data: FlagIn, actor: str) -> Account:
        check_account_id(account_id)
        return retrying(lambda: self._set_flag_once(tenant_id, account_id, data, actor))

    def _set_flag_once(self, tenant_id: str, account_id: str, data: FlagIn, actor: str) -> Account:
        account = self.get(tenant_id, account_id)
        now = self._clock.now()
        if data.until is not None and data.until <= local_day(now, recipient_zones(account)):
            # A flag holds until `until` begins in the debtor's calendar: one ending today would never hold.
            raise InvalidInput("until must be a future date in the debtor's time zone", "until")
        account.flags = {**account.flags, data.flag: Flag(data.flag, data.active, now, data.until, data.note, actor)}
        refresh_schedule(account, self._policies.resolve(tenant_id, account.policy))
        if account.state == acc.ACTIVE and account.holding_flags(local_day(now, recipient_zones(account))):
            account.state = acc.PAUSED  # the next sweep records each withheld step against this flag
        account.updated_at = now
        account.record(now, "flag_set" if data.active else "flag_cleared", actor, {
            "flag": data.flag, "until": data.until.isoformat() if data.until else None,
            "next_action_at": account.to_dict()["next_action_at"],
        })
        self._accounts.save(account)
        return account


T = TypeVar("T")
CONFLICT_RETRIES = 3
CONCURRENT_CHANGE = ("account", "audit")  # the Conflict fields a repository raises when a save lost a race


def retrying(operation: Callable[[], T]) -> T:
    """Re-read and re-apply when a reminder (or another request) changed the account or its audit chain
    meanwhile, so a billing system's PUT or a webhook is not refused just because a message was going out at
    that moment. Other conflicts (a refusal the operation itself raises) are not retried."""
    for attempt in range(CONFLICT_RETRIES):
        try:
            return operation()
        except Conflict as exc:
            if exc.field not in CONCURRENT_CHANGE or attempt == CONFLICT_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _billing_data(account: Account) -> tuple[Any, ...]:
    """What the billing system owns on an account (the rest is Kindly's own state)."""
    return (account.name, account.email, account.phone, account.locale, account.timezone, account.country,
            account.region, account.sms_consent, account.policy, account.processor_ids, account.tags,
            account.invoices)


def _schedule_inputs(account: Account) -> tuple[Any, ...]:
    return (account.invoices, account.timezone, account.country, account.region, account.policy)
