"""The accounts repository: an account item, its audit events, outbox entries and ledger lines, each write that
must be atomic one DynamoDB transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb import mapping
from chalicelib.adapters.dynamodb.models import Models
from chalicelib.adapters.dynamodb.payments import DynamoPaymentLines
from chalicelib.domain.accounts import Account
from chalicelib.domain.audit import StoredEvent
from chalicelib.domain.errors import Conflict, Throttled
from chalicelib.domain.links import ShortLink
from chalicelib.domain.messages import PENDING, RETRY
from chalicelib.domain.payments import Payment
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
        self._connection = models.connection
        self._lines = DynamoPaymentLines(models)

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

    def place_in_snapshot(self, snapshot: dict[str, Any]) -> tuple[str | None, str | None]:
        profile_attribute = self._models.accounts.profile
        profile = profile_attribute.deserialize(snapshot[profile_attribute.attr_name]["S"])
        return profile.get("country"), profile.get("region")

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

    def payment_line(self, tenant_id: str, account_id: str, key: tuple[str, str, str]) -> Payment | None:
        return self._lines.payment_line(tenant_id, account_id, key)

    def recent_payments(self, tenant_id: str, account_id: str, limit: int) -> list[Payment]:
        return self._lines.recent_payments(tenant_id, account_id, limit)

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
        account.take_ledger_out()
        item = mapping.account_to_item(account, self._models.accounts, self._shards)
        events = [
            mapping.event_to_item(account.tenant_id, account.account_id, e, self._models.audit)
            for e in account.pending_events
        ]
        lines = self._lines.move_first(account.tenant_id, account.account_id, account.unsaved_lines)
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(item)
                # The lines go right after the account: among the puts, their cancellation codes follow its own.
                self._lines.in_transaction(tx, account.tenant_id, account.account_id, lines, account.new_line_keys)
                if extra is not None:
                    extra(tx)
                for event in events:
                    tx.save(event, condition=self._models.audit.seq.does_not_exist())
        except TransactWriteError as exc:
            codes = _cancellation_codes(exc)
            if codes and codes[0] == CONDITION_FAILED:
                raise Conflict("the account changed while we were working on it; try again", "account") from exc
            if CONDITION_FAILED in codes[1:1 + len(lines)]:
                raise Conflict("a payment line believed new is already stored", "payment_line") from exc
            # pynamodb sends the puts before the updates, so the outbox update is the transaction's last item.
            if extra is not None and len(codes) > 1 and codes[-1] == CONDITION_FAILED:
                raise Conflict("the message was already recorded", "message") from exc
            if any(code in THROTTLING for code in codes if code):
                raise Throttled("DynamoDB is busy; try again shortly") from exc
            raise Conflict("the audit trail moved on meanwhile; try again", "audit") from exc
        account.version = item.version
        account.pending_events.clear()
        account.lines_saved()
