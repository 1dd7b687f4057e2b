"""SMS through Amazon SNS: transactional, with the tenant's sender id; and the finance topic."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from chalicelib.adapters.aws import error_code, is_throttle
from chalicelib.domain.errors import PermanentSendError, Throttled


class SnsSms:
    def __init__(self, client: Any) -> None:
        self._client = client

    def send(self, *, phone: str, text: str, sender_id: str | None, tags: dict[str, str]) -> str:
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
        try:
            return str(self._client.publish(PhoneNumber=phone, Message=text, MessageAttributes=attributes)["MessageId"])
        except Exception as exc:
            if is_throttle(exc):
                raise Throttled("SNS is throttling; the message will be retried") from exc
            if error_code(exc) in {"InvalidParameter", "InvalidParameterValue", "OptedOut"}:
                raise PermanentSendError(error_code(exc)) from exc
            raise


class SnsFinanceNotifier:
    """Publishes link-free, personal-data-free events to the tenant's finance topic."""

    def __init__(self, client: Any, topic_arn: Callable[[], str]) -> None:
        self._client = client
        self._topic_arn = topic_arn  # resolved on first publish: most invocations never escalate

    def publish(self, tenant_id: str, event: dict[str, Any]) -> None:
        self._client.publish(
            TopicArn=self._topic_arn(),
            Message=json.dumps(event, sort_keys=True),
            MessageAttributes={
                "tenant_id": {"DataType": "String", "StringValue": tenant_id},
                "type": {"DataType": "String", "StringValue": str(event.get("type", ""))},
            },
        )
