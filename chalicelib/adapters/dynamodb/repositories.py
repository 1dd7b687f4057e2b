"""Repositories over the pynamodb models. Each write that must be atomic is one DynamoDB transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb import mapping
from chalicelib.adapters.dynamodb.models import Models
from chalicelib.domain.accounts import Account
from chalicelib.domain.audit import StoredEvent
from chalicelib.domain.errors import Conflict, Throttled
from chalicelib.domain.links import ShortLink
from chalicelib.domain.messages import PENDING, RETRY
from chalicelib.domain.payments import PaymentEvent, parked_key
from chalicelib.domain.policies import Policy
from chalicelib.domain.sms_replies import DebtorReply
from chalicelib.domain.sweep_holds import SweepHold, SweepLimits, hold_from_stored, hold_to_stored
from chalicelib.domain.tenants import ApiKey, Tenant
from chalicelib.domain.times import iso

BATCH_GET_LIMIT = 100
MAX_SNAPSHOT_CHARS = 200_000  # SQS allows 256 KB a message
CONDITION_FAILED = "ConditionalCheckFailed"
THROTTLING = ("ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict")


def _cancellation_codes(exc: TransactWriteError) -> list[str | None]:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return [reason.code if reason else None for reason in reasons]


def _fitting(snapshot: dict[str, Any]) -> dict[str, Any] | None:
    """The snapshot, unless it is too big to ride in a queue message: the worker then reads the account itself."""
    return snapshot if len(json.dumps(snapshot)) <= MAX_SNAPSHOT_CHARS else None


class DynamoAccounts:
    def __init__(self, models: Models, shards: int) -> None:
        self._models = models
        self._shards = shards
        self._connection = Connection(region=models.accounts.Meta.region)

    # --- reads -------------------------------------------------------------------------------
    def get(self, tenant_id: str, account_id: str) -> Account | None:
        try:
            item = self._models.accounts.get(tenant_id, account_id, consistent_read=True)
        except DoesNotExist:
            return None
        return mapping.item_to_account(item)

    def due(self, at: datetime, shard: int) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
        """Due accounts of one index shard, each with a snapshot of its item straight from the index (it projects
        whole items), so the worker needs no read of its own (its writes are conditional on the snapshot's
        version) and the sweep pays the items' summed size, not a read unit per account."""
        model = self._models.accounts
        keys_only: list[tuple[str, str]] = []
        for item in model.due_index.query(shard, model.due_at <= mapping.due_key(at)):
            if "created_at" in item.attribute_values:
                yield item.tenant_id, item.account_id, _fitting(item.serialize())
            else:  # a table created while the index projected keys only: read the accounts themselves
                keys_only.append((item.tenant_id, item.account_id))
        yield from self._with_snapshots(keys_only)

    def due_of_tenant(self, tenant_id: str, at: datetime) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
        """The same for one tenant, from its own sparse index: no other tenant's account is read."""
        model = self._models.accounts
        keys = [(item.tenant_id, item.account_id)
                for item in model.tenant_due_index.query(tenant_id, model.due_at <= mapping.due_key(at))]
        return self._with_snapshots(keys)

    def _with_snapshots(self, keys: list[tuple[str, str]]) -> Iterator[tuple[str, str, dict[str, Any] | None]]:
        model = self._models.accounts
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            chunk = keys[start:start + BATCH_GET_LIMIT]
            found = {(item.tenant_id, item.account_id): item.serialize() for item in model.batch_get(chunk)}
            for key in chunk:
                snapshot = found.get(key)
                yield key[0], key[1], _fitting(snapshot) if snapshot is not None else None

    def from_snapshot(self, snapshot: dict[str, Any]) -> Account:
        return mapping.item_to_account(self._models.accounts.from_raw_data(snapshot))

    def all_of(self, tenant_id: str) -> Iterator[Account]:
        """Every account of one tenant: one paginated query on its partition (for reports, not hot paths)."""
        for item in self._models.accounts.query(tenant_id):
            yield mapping.item_to_account(item)

    def account_ids(self, tenant_id: str) -> Iterator[str]:
        for item in self._models.accounts.query(tenant_id, attributes_to_get=["account_id"]):
            yield item.account_id

    def events(self, tenant_id: str, account_id: str) -> list[StoredEvent]:
        """The trail as stored, read raw: the model would raise on the first corrupted item and hide the rest."""
        key = mapping.account_key(tenant_id, account_id)
        items = ResultIterator(self._models.audit._get_connection().query, (key,), {"consistent_read": True})
        return [mapping.raw_to_event(item) for item in items]

    def provider_message_ids(self, tenant_id: str) -> set[str]:
        """What SES and SNS said they accepted for this tenant's messages (one query per account: for
        `kindly outbox` on a local stack, not for a hot path)."""
        model = self._models.messages
        found: set[str] = set()
        for account_id in self.account_ids(tenant_id):
            for item in model.query(mapping.account_key(tenant_id, account_id),
                                    attributes_to_get=["provider_message_id"]):
                if item.provider_message_id:
                    found.add(item.provider_message_id)
        return found

    def sent_as(self, tenant_id: str, account_id: str, provider_message_id: str) -> bool:
        """One query on the account's outbox partition, filtered (an account has a few dozen messages at most)."""
        model = self._models.messages
        found = model.query(mapping.account_key(tenant_id, account_id),
                            filter_condition=model.provider_message_id == provider_message_id,
                            attributes_to_get=["message_id"])
        return any(True for _ in found)

    def with_phone(self, phone: str) -> list[Account]:
        """Keys from the sparse phone index, then each account read consistently (the index lags a little)."""
        model = self._models.accounts
        keys = sorted({(item.tenant_id, item.account_id) for item in model.phone_index.query(phone)})
        accounts = [self.get(tenant_id, account_id) for tenant_id, account_id in keys]
        return [account for account in accounts if account is not None and account.phone == phone]

    def message_status(self, tenant_id: str, account_id: str, message_id: str) -> str | None:
        try:
            key = mapping.account_key(tenant_id, account_id)
            item = self._models.messages.get(key, message_id, consistent_read=True)
        except DoesNotExist:
            return None
        return item.status

    def message_attempts(self, tenant_id: str, account_id: str, message_id: str) -> int:
        try:
            key = mapping.account_key(tenant_id, account_id)
            item = self._models.messages.get(key, message_id, consistent_read=True, attributes_to_get=["attempts"])
        except DoesNotExist:
            return 0
        return int(item.attempts or 0)

    def account_for_ref(self, ref_key: str) -> tuple[str, str] | None:
        """(tenant_id, account_id) a processor ref points at, if any."""
        try:
            item = self._models.processor_refs.get(ref_key, consistent_read=True)
        except DoesNotExist:
            return None
        return item.tenant_id, item.account_id

    # --- writes ------------------------------------------------------------------------------
    def save(self, account: Account) -> None:
        self._transact(account)

    def note_engagement(self, account: Account, message_id: str, what: str, at: datetime) -> bool:
        model = self._models.messages
        item = model(mapping.account_key(account.tenant_id, account.account_id), message_id)
        attribute = getattr(model, f"{what}_at")
        try:  # the first time only: a redelivered or second open writes nothing, so it is audited once
            self._transact(account, extra=lambda tx: tx.update(
                item, [attribute.set(iso(at))], condition=model.message_id.exists() & attribute.does_not_exist(),
                add_version_condition=False))
        except Conflict as exc:
            if exc.field == "message":
                return False
            raise
        return True

    def add_refs(self, account: Account, ref_keys: set[str]) -> None:
        """Point processor refs at the account. Written before the account; a ref is only trusted when the
        account it names still carries the id, so a ref left behind by a failed save does no harm."""
        model = self._models.processor_refs
        with model.batch_write() as batch:
            for key in sorted(ref_keys):
                batch.save(model(key, tenant_id=account.tenant_id, account_id=account.account_id))

    def claim_message(self, account: Account, message: dict[str, Any], short_link: ShortLink | None = None) -> bool:
        model = self._models.messages
        item = model(mapping.account_key(account.tenant_id, account.account_id), message["message_id"])
        fields = {k: v for k, v in message.items() if k not in ("message_id", "created_at")}
        # An update, not a put, so a retry's claim keeps the first try's time and counts the tries.
        actions = [getattr(model, name).set(value) for name, value in fields.items()] + [
            model.created_at.set(model.created_at | message["created_at"]), model.attempts.add(1),
            model.detail.remove()]
        links = self._models.links

        def claim(tx: TransactWrite) -> None:
            # A message is claimed once, unless the last attempt was handed back for retry.
            tx.update(item, actions, condition=model.message_id.does_not_exist() | (model.status == RETRY),
                      add_version_condition=False)
            if short_link is not None:  # the short link the message carries, written with it
                tx.save(links(short_link.code, tenant_id=short_link.tenant_id, account_id=short_link.account_id,
                              purpose=short_link.purpose, expires_at=short_link.expires),
                        condition=links.code.does_not_exist())

        try:
            self._transact(account, extra=claim)
        except Conflict as exc:
            if exc.field == "message":
                return False
            raise
        return True

    def finish_message(self, account: Account, message_id: str, status: str, details: dict[str, Any]) -> None:
        model = self._models.messages
        item = model(mapping.account_key(account.tenant_id, account.account_id), message_id)
        actions = [model.status.set(status), model.updated_at.set(iso(account.updated_at or datetime.now(UTC))),
                   model.detail.set(details)]
        if details.get("provider_message_id"):
            actions.append(model.provider_message_id.set(details["provider_message_id"]))
        self._transact(account, extra=lambda tx: tx.update(item, actions, condition=model.status == PENDING,
                                                           add_version_condition=False))

    def _transact(self, account: Account, extra: Any = None) -> None:
        # A whole-item put: an account with no next action drops out of the sparse due index.
        item = mapping.account_to_item(account, self._models.accounts, self._shards)
        events = [
            mapping.event_to_item(account.tenant_id, account.account_id, e, self._models.audit)
            for e in account.pending_events
        ]
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(item)
                if extra is not None:
                    extra(tx)
                for event in events:
                    tx.save(event, condition=self._models.audit.seq.does_not_exist())
        except TransactWriteError as exc:
            codes = _cancellation_codes(exc)
            if codes and codes[0] == CONDITION_FAILED:
                raise Conflict("the account changed while we were working on it; try again", "account") from exc
            # pynamodb sends the puts before the updates, so the outbox update is the transaction's last item.
            if extra is not None and len(codes) > 1 and codes[-1] == CONDITION_FAILED:
                raise Conflict("the message was already recorded", "message") from exc
            if any(code in THROTTLING for code in codes if code):
                raise Throttled("DynamoDB is busy; try again shortly") from exc
            raise Conflict("the audit trail moved on meanwhile; try again", "audit") from exc
        account.version = item.version
        account.pending_events.clear()


class DynamoParkedPayments:
    """Payment events waiting for their account (ports.ParkedPayments)."""

    def __init__(self, models: Models) -> None:
        self._model = models.parked_payments

    def park(self, tenant_id: str, keys: list[str], event: PaymentEvent, until: datetime) -> None:
        with self._model.batch_write() as batch:
            for key in keys:
                batch.save(self._model(key, parked_key(event), tenant_id=tenant_id,
                                       event=mapping.payment_event_to_dict(event), expires_at=until))

    def waiting(self, tenant_id: str, key: str) -> list[PaymentEvent]:
        return [mapping.dict_to_payment_event(item.event)
                for item in self._model.query(key, consistent_read=True) if item.tenant_id == tenant_id]

    def release(self, keys: list[str], event: PaymentEvent) -> None:
        with self._model.batch_write() as batch:
            for key in keys:
                batch.delete(self._model(key, parked_key(event)))


class DynamoDebtorReplies:
    """ports.DebtorReplies over the inbound-sms table: markers and replies, both expiring by TTL."""

    def __init__(self, models: Models) -> None:
        self._model = models.inbound_sms

    def first_sight(self, inbound_id: str, until: datetime) -> bool:
        try:
            self._model(f"seen#{inbound_id}", "seen", expires_at=until).save(
                condition=self._model.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def forget(self, inbound_id: str) -> None:
        self._model(f"seen#{inbound_id}", "seen").delete()

    def keep(self, reply: DebtorReply) -> None:
        self._model(_reply_key(reply.tenant_id, reply.account_id), f"{iso(reply.received_at)}#{reply.reply_id}",
                    tenant_id=reply.tenant_id, account_id=reply.account_id, reply_id=reply.reply_id,
                    received_at=iso(reply.received_at), text=reply.text, expires_at=reply.expires_at).save()

    def replies(self, tenant_id: str, account_id: str, now: datetime) -> list[DebtorReply]:
        # DynamoDB deletes expired items within days, not at once: an expired reply is never shown.
        found = self._model.query(_reply_key(tenant_id, account_id), scan_index_forward=False, consistent_read=True)
        replies = [DebtorReply(tenant_id, account_id, item.reply_id, mapping.parse_instant(item.received_at), item.text,
                               item.expires_at) for item in found]
        return [reply for reply in replies if reply.expires_at > now]


def _reply_key(tenant_id: str, account_id: str) -> str:
    return f"reply#{mapping.account_key(tenant_id, account_id)}"


class DynamoLinks:
    def __init__(self, models: Models) -> None:
        self._model = models.links

    def get(self, code: str) -> ShortLink | None:
        try:
            item = self._model.get(code)
        except DoesNotExist:
            return None
        return ShortLink(item.code, item.tenant_id, item.account_id, item.purpose, item.expires_at)


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


class DynamoTenants:
    def __init__(self, models: Models) -> None:
        self._models = models
        self._connection = Connection(region=models.tenants.Meta.region)

    def get(self, tenant_id: str) -> Tenant | None:
        try:
            return mapping.item_to_tenant(self._models.tenants.get(tenant_id))
        except DoesNotExist:
            return None

    def add(self, tenant: Tenant, key: ApiKey) -> None:
        tenants, keys = self._models.tenants, self._models.api_keys
        with TransactWrite(connection=self._connection) as tx:
            tx.save(mapping.tenant_to_item(tenant, tenants), condition=tenants.tenant_id.does_not_exist())
            tx.save(
                keys(key.key_hash, key_id=key.key_id, tenant_id=key.tenant_id, created_at=iso(key.created_at)),
                condition=keys.key_hash.does_not_exist(),
            )

    def set_excluded_days(self, tenant_id: str, days: tuple[date, ...]) -> Tenant | None:
        tenants = self._models.tenants
        try:
            tenants(tenant_id).update(
                actions=[tenants.excluded_days.set([day.isoformat() for day in days]) if days
                         else tenants.excluded_days.remove()],
                condition=tenants.tenant_id.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return self.get(tenant_id)

    def key_by_hash(self, key_hash: str) -> ApiKey | None:
        try:
            return mapping.item_to_api_key(self._models.api_keys.get(key_hash))
        except DoesNotExist:
            return None


class DynamoSweepLedger:
    """ports.SweepLedger on the sweeps table: one partition per tenant, so nothing here reads another tenant."""

    SENT = "sent#"
    HOLD = "hold#"
    LIMITS = "limits"
    COUNT_DAYS = 35  # a day's count outlives the trailing window it is read for

    def __init__(self, models: Models) -> None:
        self._model = models.sweeps

    def count_sent(self, tenant_id: str, day: date, messages: int = 1) -> None:
        model = self._model
        expires = datetime.combine(day + timedelta(days=self.COUNT_DAYS), time(0), UTC)
        model(tenant_id, f"{self.SENT}{day.isoformat()}").update(
            actions=[model.count.add(messages), model.expires_at.set(expires)])

    def sent_counts(self, tenant_id: str, first: date, last: date) -> dict[date, int]:
        model = self._model
        found = model.query(tenant_id, model.key.between(f"{self.SENT}{first.isoformat()}",
                                                         f"{self.SENT}{last.isoformat()}"), consistent_read=True)
        return {date.fromisoformat(item.key.removeprefix(self.SENT)): int(item.count or 0) for item in found}

    def limits(self, tenant_id: str) -> SweepLimits | None:
        try:
            item = self._model.get(tenant_id, self.LIMITS, consistent_read=True)
        except DoesNotExist:
            return None
        return SweepLimits(float(item.body["multiple"]), int(item.body["floor"]))

    def set_limits(self, tenant_id: str, limits: SweepLimits) -> None:
        self._model(tenant_id, self.LIMITS, body=limits.to_dict()).save()

    def holds(self, tenant_id: str, limit: int = 20) -> list[SweepHold]:
        model = self._model
        found = model.query(tenant_id, model.key.startswith(self.HOLD), scan_index_forward=False, limit=limit,
                            consistent_read=True)
        return [hold_from_stored(tenant_id, item.body) for item in found]

    def save_hold(self, hold: SweepHold, expected_status: str | None) -> bool:
        model = self._model
        item = model(hold.tenant_id, f"{self.HOLD}{iso(hold.held_at)}", body=hold_to_stored(hold),
                     status=hold.status)
        condition = model.key.does_not_exist() if expected_status is None else model.status == expected_status
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
