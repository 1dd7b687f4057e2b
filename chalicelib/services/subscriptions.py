"""`kindly finance subscribe`: a tenant's subscriber to the one finance topic, filtered on `tenant_id`."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.ports import FinanceTopic

PROTOCOLS = ("email", "https", "sqs")
SQS_ARN = re.compile(r"arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}(?P<fifo>\.fifo)?")


def filter_policy(tenant_id: str) -> dict[str, list[str]]:
    """Matched against the `tenant_id` attribute SnsFinanceNotifier puts on every event."""
    return {"tenant_id": [tenant_id]}


def checked_endpoint(protocol: str, endpoint: str) -> str:
    if protocol not in PROTOCOLS:
        raise InvalidInput(f"the protocol is one of {', '.join(PROTOCOLS)}", "protocol")
    if protocol == "sqs":
        match = SQS_ARN.fullmatch(endpoint)
        if match is None:
            raise InvalidInput("an sqs subscription needs an SQS queue ARN, like "
                               "arn:aws:sqs:eu-west-1:123456789012:finance-events", "endpoint")
        if match["fifo"]:
            raise InvalidInput("a FIFO queue cannot subscribe to the finance topic (a standard topic)", "endpoint")
        return endpoint
    if protocol == "https":
        parts = urlsplit(endpoint)
        if parts.scheme != "https" or not parts.hostname:
            raise InvalidInput("an https subscription needs an https:// URL with a host", "endpoint")
        return endpoint
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(endpoint, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise InvalidInput("an email subscription needs an email address", "endpoint") from exc


class FinanceSubscriptions:
    def __init__(self, topic: FinanceTopic) -> None:
        self._topic = topic

    def subscribe(self, tenant_id: str, protocol: str, endpoint: str) -> dict[str, Any]:
        """Everything is checked before anything is created. SQS gets the event itself as the message body
        (raw delivery); https keeps SNS's signed envelope so the receiver can check who sent it."""
        endpoint = checked_endpoint(protocol, endpoint)
        return {
            "tenant_id": tenant_id, "protocol": protocol, "endpoint": endpoint,
            **self._topic.subscribe(protocol, endpoint, filter_policy(tenant_id), raw_delivery=protocol == "sqs"),
        }
