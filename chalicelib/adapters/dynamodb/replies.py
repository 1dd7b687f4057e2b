"""Texts from debtors: inbound markers and kept replies (ports.DebtorReplies)."""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import PutError

from chalicelib.adapters.dynamodb import mapping
from chalicelib.adapters.dynamodb.models import Models
from chalicelib.domain.sms_replies import DebtorReply
from chalicelib.domain.times import iso


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
