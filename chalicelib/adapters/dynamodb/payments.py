"""The payments collection (every line of an account's ledger) and the payment events waiting for their account."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb import mapping
from chalicelib.adapters.dynamodb.models import Models
from chalicelib.domain.payments import Payment, PaymentEvent, parked_key
from chalicelib.domain.times import iso

MOVE_FIRST = 25  # more unsaved lines than this (an old item's whole ledger) are written before the transaction


def line_key(key: tuple[str, str, str]) -> str:
    provider, payment_ref, kind = key
    return f"{provider}#{payment_ref}#{kind}"


class DynamoPaymentLines:
    """The payments collection (ports.PaymentLines): one item per ledger line. The accounts repository writes the
    lines in the transaction that saves their account (in_transaction)."""

    def __init__(self, models: Models) -> None:
        self._model = models.payments

    def _item(self, tenant_id: str, account_id: str, line: Payment) -> Any:
        return self._model(mapping.account_key(tenant_id, account_id), line_key(line.key),
                           at_key=f"{iso(line.at)}#{line_key(line.key)}", line=mapping.payment_record(line))

    def payment_line(self, tenant_id: str, account_id: str, key: tuple[str, str, str]) -> Payment | None:
        try:
            item = self._model.get(mapping.account_key(tenant_id, account_id), line_key(key), consistent_read=True)
        except DoesNotExist:
            return None
        return mapping.payment_from_record(item.line)

    def recent_payments(self, tenant_id: str, account_id: str, limit: int) -> list[Payment]:
        if limit <= 0:
            return []
        found = self._model.by_time.query(mapping.account_key(tenant_id, account_id), scan_index_forward=False,
                                          limit=limit, consistent_read=True)
        return [mapping.payment_from_record(item.line) for item in found][::-1]

    def move_first(self, tenant_id: str, account_id: str, lines: list[Payment]) -> list[Payment]:
        """An old item's whole ledger is too many lines for one transaction: written before it (each line as the
        item holds it, so writing it again changes nothing); the lines left for the transaction."""
        if len(lines) <= MOVE_FIRST:
            return lines
        with self._model.batch_write() as batch:
            for line in lines:
                batch.save(self._item(tenant_id, account_id, line))
        return []

    def in_transaction(self, tx: TransactWrite, tenant_id: str, account_id: str, lines: list[Payment],
                       new_keys: set[tuple[str, str, str]]) -> None:
        """Put the lines; one believed new only if the collection has no such line yet."""
        for line in lines:
            condition = self._model.line_key.does_not_exist() if line.key in new_keys else None
            tx.save(self._item(tenant_id, account_id, line), condition=condition)


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
