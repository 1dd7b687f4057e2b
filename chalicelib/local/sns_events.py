"""What AWS would publish to Kindly's SNS topics, built by hand: `chalice local` delivers no SNS, so on the local
stack `kindly sms receive` and `kindly ses event` build these and hand them to the functions' own handlers.
The shapes are AWS's (events/sms_inbound_sns_stop.json, events/email_events_sns_bounce.json)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

SAMPLE_ACCOUNT = "123456789012"  # the AWS account id moto and the samples use
OUR_NUMBER = "+12065550100"  # the two-way number a local text is sent to, unless --to says otherwise
SES_DETAIL = {"Delivery": "delivery", "Open": "open", "Click": "click"}
USER_AGENT = "Mozilla/5.0 (local stack; kindly ses event)"


def sns_notification(region: str, topic: str, message: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The Lambda event SNS delivers for one message published to `topic`."""
    arn = f"arn:aws:sns:{region}:{SAMPLE_ACCOUNT}:{topic}"
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": f"{arn}:{uuid.uuid4()}",
        "Sns": {
            "Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": arn, "Subject": None,
            "Message": json.dumps(message), "Timestamp": _stamp(at), "SignatureVersion": "1",
            "Signature": "EXAMPLE", "SigningCertUrl": "https://sns.local/SimpleNotificationService.pem",
            "UnsubscribeUrl": "https://sns.local/?Action=Unsubscribe", "MessageAttributes": {},
        },
    }]}


def inbound_sms(origination: str, body: str, destination: str = OUR_NUMBER, answering: str | None = None,
                inbound_id: str | None = None) -> dict[str, Any]:
    """AWS End User Messaging's two-way SMS JSON: a text from `origination` to our `destination`, answering our
    SMS whose SNS id is `answering` (None: AWS found none)."""
    return {
        "originationNumber": origination, "destinationNumber": destination,
        "messageKeyword": f"KEYWORD_{SAMPLE_ACCOUNT}", "messageBody": body,
        "inboundMessageId": inbound_id or str(uuid.uuid4()), "previousPublishedMessageId": answering,
    }


def ses_event(kind: str, *, tags: dict[str, str], configuration_set: str, source: str, destination: str | None,
              provider_message_id: str | None, sent_at: datetime, at: datetime, link: str) -> dict[str, Any]:
    """SES's configuration-set event `kind` (Delivery, Open or Click) for one email sent at `sent_at`, which
    happened at `at`; `tags` are the ones Kindly gave the email (tenant_id, account, message_id)."""
    destinations = [destination] if destination else []
    mail = {
        "timestamp": _stamp(sent_at), "source": source, "sendingAccountId": SAMPLE_ACCOUNT,
        "messageId": provider_message_id or str(uuid.uuid4()), "destination": destinations,
        "headersTruncated": False,
        "tags": {"ses:configuration-set": [configuration_set], **{name: [value] for name, value in tags.items()}},
    }
    detail: dict[str, Any] = {"timestamp": _stamp(at)}
    if kind == "Delivery":
        detail |= {"processingTimeMillis": 1000, "recipients": destinations, "reportingMTA": "a1-1.smtp-out.local",
                   "smtpResponse": "250 2.6.0 Message received"}
    else:
        detail |= {"ipAddress": "192.0.2.1", "userAgent": USER_AGENT}
        if kind == "Click":
            detail |= {"link": link, "linkTags": {}}
    return {"eventType": kind, "mail": mail, SES_DETAIL[kind]: detail}


def _stamp(at: datetime) -> str:
    """AWS's form: UTC with milliseconds and a Z."""
    utc = at.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"
