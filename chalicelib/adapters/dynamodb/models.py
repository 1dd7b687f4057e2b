"""pynamodb models: the single source of truth for every table's keys and indexes.

Table names come from settings, so the classes are built per configuration by `build_models`.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct
from pynamodb.attributes import (
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import Connection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.connection import OnSharedConnection, SharedConnection
from chalicelib.config import Settings

DUE_INDEX = "due-index"
TENANT_DUE_INDEX = "tenant-due-index"
PHONE_INDEX = "phone-index"
PAYMENTS_BY_TIME = "by-time"


class DueIndex(GlobalSecondaryIndex["AccountModel"]):
    """Sparse: only accounts with a pending action carry `due_shard`; the sweep queries, never scans.

    It projects the whole account: the worker's write is a whole-item put conditional on the version, so its
    snapshot must be the whole item, and a Query bills the items' summed size (4 KB units) where a BatchGetItem of
    the same accounts would bill a unit per item. A list of INCLUDEd attributes would have to name every one of
    them and would silently drop one added later (the put would then erase it)."""

    class Meta:
        index_name = DUE_INDEX
        projection = AllProjection()

    due_shard = NumberAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class TenantDueIndex(GlobalSecondaryIndex["AccountModel"]):
    """Sparse like the due index (only accounts with a pending action carry `due_at`): a one-tenant sweep
    reads that tenant's due accounts and nobody else's."""

    class Meta:
        index_name = TENANT_DUE_INDEX
        projection = KeysOnlyProjection()

    tenant_id = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class PhoneIndex(GlobalSecondaryIndex["AccountModel"]):
    """Sparse: accounts with a number, by that number (E.164), across tenants: a text from the debtor finds every
    account it concerns (a STOP holds for each of them)."""

    class Meta:
        index_name = PHONE_INDEX
        projection = KeysOnlyProjection()

    phone = UnicodeAttribute(hash_key=True)


class TenantModel(Model):
    class Meta:
        table_name = "tenants"

    tenant_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    sender_email = UnicodeAttribute()
    country = UnicodeAttribute()
    timezone = UnicodeAttribute()
    locale = UnicodeAttribute()
    role = UnicodeAttribute()
    support_email = UnicodeAttribute(null=True)
    sms_sender_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    display_name = UnicodeAttribute(null=True)
    logo_url = UnicodeAttribute(null=True)
    accent_color = UnicodeAttribute(null=True)
    excluded_days = ListAttribute(of=UnicodeAttribute, null=True)  # ISO dates, in order
    reply_to = UnicodeAttribute(null=True)


class ApiKeyModel(Model):
    class Meta:
        table_name = "api-keys"

    key_hash = UnicodeAttribute(hash_key=True)
    key_id = UnicodeAttribute()
    tenant_id = UnicodeAttribute()
    created_at = UnicodeAttribute()


class AccountModel(Model):
    class Meta:
        table_name = "accounts"

    tenant_id = UnicodeAttribute(hash_key=True)
    account_id = UnicodeAttribute(range_key=True)
    profile = JSONAttribute()
    invoices = JSONAttribute()
    flags = JSONAttribute()
    invoice_disputes = JSONAttribute(null=True)  # invoice id -> a dispute of that invoice alone
    contact = JSONAttribute()
    recent_sends = JSONAttribute()
    cycle = UnicodeAttribute(null=True)
    last_step = NumberAttribute()
    last_step_key = UnicodeAttribute(null=True)
    state = UnicodeAttribute()
    hold_reason = UnicodeAttribute(null=True)
    payments = JSONAttribute(null=True)  # the ledger's recent lines (every line is in the payments table)
    ledger = JSONAttribute(null=True)  # the running sums of every line; absent on items stored before the table
    thanks = JSONAttribute(null=True)
    arrangements = JSONAttribute(null=True)  # plan, promise, settlement offer
    tallies = JSONAttribute(null=True)
    next_action_at = UnicodeAttribute(null=True)
    due_shard = NumberAttribute(null=True)
    due_at = UnicodeAttribute(null=True)
    phone = UnicodeAttribute(null=True)  # copied from the profile for the phone index
    audit_seq = NumberAttribute()
    audit_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()
    due_index = DueIndex()
    tenant_due_index = TenantDueIndex()
    phone_index = PhoneIndex()


class AuditEventModel(Model):
    """Append-only; `seq` is written with attribute_not_exists, so the chain can never fork."""

    class Meta:
        table_name = "audit"

    account_key = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)
    at = UnicodeAttribute()
    type = UnicodeAttribute()
    actor = UnicodeAttribute()
    details = UnicodeAttribute()  # canonical JSON, kept as text so the hashed bytes survive the round trip
    prev_hash = UnicodeAttribute()
    hash = UnicodeAttribute()


class MessageModel(Model):
    """The outbox: one item per intended message, keyed by its deterministic id."""

    class Meta:
        table_name = "messages"

    account_key = UnicodeAttribute(hash_key=True)
    message_id = UnicodeAttribute(range_key=True)
    tenant_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    template = UnicodeAttribute()
    step_key = UnicodeAttribute()
    cycle = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    provider_message_id = UnicodeAttribute(null=True)
    detail = JSONAttribute(null=True)
    attempts = NumberAttribute(null=True)  # claims so far: a retry counts against the cap
    delivered_at = UnicodeAttribute(null=True)  # from SES events, the first of each
    opened_at = UnicodeAttribute(null=True)
    clicked_at = UnicodeAttribute(null=True)


class PolicyModel(Model):
    class Meta:
        table_name = "policies"

    tenant_id = UnicodeAttribute(hash_key=True)
    policy_key = UnicodeAttribute(range_key=True)  # "<name>#<version, zero-padded>"
    name = UnicodeAttribute()
    version = NumberAttribute()
    body = JSONAttribute()
    created_at = UnicodeAttribute()


class LinkModel(Model):
    """Short codes for links in SMS (a signed link is too long for two segments); they expire by TTL."""

    class Meta:
        table_name = "links"

    code = UnicodeAttribute(hash_key=True)
    tenant_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    purpose = UnicodeAttribute()
    expires_at = TTLAttribute()


class ProcessorRefModel(Model):
    """Which account a processor's customer or invoice id belongs to, so a webhook finds its account with one
    read. Written before the account (a ref is only trusted if the account still carries the id)."""

    class Meta:
        table_name = "processor-refs"

    ref = UnicodeAttribute(hash_key=True)  # see mapping.customer_ref / mapping.invoice_ref
    tenant_id = UnicodeAttribute()
    account_id = UnicodeAttribute()


class ParkedPaymentModel(Model):
    """A verified payment event whose account is not known yet, kept under each ref that could name the account
    (tenant-prefixed: see domain.payments.parking_keys) until intake brings the account, or the TTL ends."""

    class Meta:
        table_name = "parked-payments"

    ref = UnicodeAttribute(hash_key=True)
    event_key = UnicodeAttribute(range_key=True)  # "<provider>#<event_id>#<kind>#<payment_ref>"
    tenant_id = UnicodeAttribute()
    event = JSONAttribute()  # the normalised PaymentEvent: no signature to check again
    expires_at = TTLAttribute()


class PaymentsByTime(LocalSecondaryIndex["PaymentLineModel"]):
    """An account's lines by time, so the page and the API show the latest few with one query."""

    class Meta:
        index_name = PAYMENTS_BY_TIME
        projection = AllProjection()

    account_key = UnicodeAttribute(hash_key=True)
    at_key = UnicodeAttribute(range_key=True)


class PaymentLineModel(Model):
    """One line of an account's ledger (domain.payments.Payment), under "<tenant>#<account>" and
    "<provider>#<payment_ref>#<kind>": a webhook reads a line by its key. Written in the transaction that saves the
    account, so the lines and the account's sums never disagree."""

    class Meta:
        table_name = "payments"

    account_key = UnicodeAttribute(hash_key=True)
    line_key = UnicodeAttribute(range_key=True)
    at_key = UnicodeAttribute()  # "<at>#<provider>#<payment_ref>#<kind>"
    line = JSONAttribute()
    by_time = PaymentsByTime()


class InboundSmsModel(Model):
    """Texts from debtors: a marker per inbound message id (so a repeated notification changes nothing), and the
    words of each reply under its account, for the tenant's people to read. Both expire by TTL."""

    class Meta:
        table_name = "inbound-sms"

    pk = UnicodeAttribute(hash_key=True)  # "seen#<inbound id>" or "reply#<tenant_id>#<account_id>"
    sk = UnicodeAttribute(range_key=True)  # "seen", or "<received_at>#<inbound id>"
    tenant_id = UnicodeAttribute(null=True)
    account_id = UnicodeAttribute(null=True)
    reply_id = UnicodeAttribute(null=True)
    received_at = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    expires_at = TTLAttribute()


class ConsoleItemModel(Model):
    """The finance console, one table: a tenant's people (`tenant#T` / `user#U`, sessions `session#S`), who an
    address is in each tenant (`email#E` / `tenant#T`: one item per tenant and address, so an address is unique
    per tenant), one-time sign-in links (`signin#<sha256>`), sign-in counters (`rate#<sha256>` / window), and
    what was changed on the tenant in the console (`tenant#T` / `change#<at>#<random>`). Links, counters and
    sessions expire by TTL; see adapters/dynamodb/console.py."""

    class Meta:
        table_name = "console"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tenant_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    valid_until = UnicodeAttribute(null=True)  # a TTL deletes late: validity is checked on this, to the second
    attempts = NumberAttribute(null=True)
    actor = UnicodeAttribute(null=True)  # a change to the tenant (`change#<at>#<n>`): who, what, details
    change = UnicodeAttribute(null=True)
    details = JSONAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class SweepLedgerModel(Model):
    """Per tenant, what the sweep's circuit breaker reads and writes: `sent#<day>` (an atomic counter of messages
    sent that UTC day, expiring by TTL), `limits` (the tenant's multiple and floor) and `hold#<held_at>` (one held
    sweep run and its history)."""

    class Meta:
        table_name = "sweeps"

    tenant_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)
    count = NumberAttribute(null=True)
    body = JSONAttribute(null=True)
    status = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class FigureModel(Model):
    """A tenant's finance figures, kept by the accounts table's stream (adapters/dynamodb/figures.py reads and
    writes it with the low-level client: each counter is its own number attribute)."""

    class Meta:
        table_name = "figures"

    tenant_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute(range_key=True)  # "total", "day#<date>", "ends#<date>", "counted#<account id>"


class Models(Struct, frozen=True):
    connection: Connection  # every table's, and the transactions' (dynamodb/connection.py)
    tenants: type[TenantModel]
    api_keys: type[ApiKeyModel]
    accounts: type[AccountModel]
    audit: type[AuditEventModel]
    messages: type[MessageModel]
    policies: type[PolicyModel]
    links: type[LinkModel]
    processor_refs: type[ProcessorRefModel]
    parked_payments: type[ParkedPaymentModel]
    payments: type[PaymentLineModel]
    inbound_sms: type[InboundSmsModel]
    console: type[ConsoleItemModel]
    sweeps: type[SweepLedgerModel]
    figures: type[FigureModel]

    def all(self) -> list[type[Model]]:
        return [self.tenants, self.api_keys, self.accounts, self.audit, self.messages, self.policies, self.links,
                self.processor_refs, self.parked_payments, self.payments, self.inbound_sms, self.console, self.sweeps,
                self.figures]


def build_models(settings: Settings) -> Models:
    region = settings.region
    connection = SharedConnection(region=region)

    def _bind(base: type[Model], table_name: str, **meta_extra: str) -> Any:
        meta = type("Meta", (), {"table_name": table_name, "region": region, "billing_mode": "PAY_PER_REQUEST",
                                 **meta_extra})
        return type(base.__name__, (OnSharedConnection, base),
                    {"Meta": meta, "__module__": base.__module__, "shared_connection": connection})

    return Models(
        connection=connection,
        tenants=_bind(TenantModel, settings.tenants_table),
        api_keys=_bind(ApiKeyModel, settings.api_keys_table),
        # The stream keeps the finance figures (services/figure_stream.py); infra/template.yaml enables it too.
        accounts=_bind(AccountModel, settings.accounts_table, stream_view_type="NEW_AND_OLD_IMAGES"),
        audit=_bind(AuditEventModel, settings.audit_table),
        messages=_bind(MessageModel, settings.messages_table),
        policies=_bind(PolicyModel, settings.policies_table),
        links=_bind(LinkModel, settings.links_table),
        processor_refs=_bind(ProcessorRefModel, settings.processor_refs_table),
        parked_payments=_bind(ParkedPaymentModel, settings.parked_payments_table),
        payments=_bind(PaymentLineModel, settings.payments_table),
        sweeps=_bind(SweepLedgerModel, settings.sweeps_table),
        inbound_sms=_bind(InboundSmsModel, settings.inbound_sms_table),
        console=_bind(ConsoleItemModel, settings.console_table),
        figures=_bind(FigureModel, settings.figures_table),
    )
