"""An account as the API, the CLI and the CSV importer send it: the person, where they live, their invoices."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, model_validator

from chalicelib.domain.accounts import INVOICE_STATUSES, Account, Invoice, SmsConsent
from chalicelib.inputs.fields import (
    NAME_PATTERN,
    Amount,
    Country,
    Currency,
    Email,
    FieldError,
    Identifier,
    LocaleTag,
    Phone,
    PolicyName,
    Region,
    Strict,
    Text,
    TimeZone,
    Url,
)


class SmsConsentIn(Strict):
    source: Text
    at: AwareDatetime


class InvoiceIn(Strict):
    id: Identifier
    amount: Amount
    currency: Currency
    issued_on: date
    due_on: date
    status: Literal[INVOICE_STATUSES] = "open"  # type: ignore[valid-type]
    processor_invoice_id: Annotated[str, Field(max_length=200)] | None = None
    payment_url: Url | None = None

    @model_validator(mode="after")
    def _due_after_issue(self) -> InvoiceIn:
        if self.due_on < self.issued_on:
            raise FieldError("due_on", "due_on is before issued_on")
        return self


class AccountIn(Strict):
    name: Text
    email: Email | None = None
    phone: Phone | None = None
    locale: LocaleTag | None = None
    timezone: TimeZone | None = None
    country: Country | None = None
    region: Region | None = None
    sms_consent: SmsConsentIn | None = None
    policy: PolicyName | None = None  # none: the tenant's segments choose
    processor_ids: Annotated[dict[Annotated[str, Field(pattern=NAME_PATTERN)], Identifier], Field(max_length=10)] = {}
    tags: Annotated[list[Annotated[str, Field(pattern=NAME_PATTERN)]], Field(max_length=50)] = []
    invoices: Annotated[list[InvoiceIn], Field(max_length=200)] = []

    @property
    def subdivision(self) -> str | None:
        """The region as the account keeps it: the subdivision's own code (MD), whichever form was sent."""
        return self.region.rpartition("-")[2] if self.region else None

    @model_validator(mode="after")
    def _consistent(self) -> AccountIn:
        if not self.timezone and not self.country:
            raise FieldError("timezone", "give a timezone or a country, so reminders arrive at a decent local hour")
        country_of_region = (self.region or "").rpartition("-")[0]
        if country_of_region and country_of_region != self.country:
            raise FieldError("region", f"{self.region} is a subdivision of {country_of_region}, so country must be "
                                       f"{country_of_region}" + (f", not {self.country}" if self.country else ""))
        seen: set[str] = set()
        for i, invoice in enumerate(self.invoices):
            if invoice.id in seen:
                raise FieldError(f"invoices[{i}].id", f"invoice id {invoice.id!r} appears twice")
            seen.add(invoice.id)
        return self


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
