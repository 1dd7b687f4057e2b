"""Email, SMS and the finance topic, recorded for assertions instead of sent.

Like the SES/SNS adapters they return the provider's message id, refuse an address SES cannot deliver to
(a non-ASCII local part) for good, refuse an SMS to a number on the opt-out list (`opted_out`, as SNS's own list:
OptedOut), and serialise what they publish as JSON. `fail_next` makes the next
sends raise, as a throttling provider (Throttled) or a refusing one (PermanentSendError) would."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import InvalidInput, OptedOut, PermanentSendError
from chalicelib.domain.messages import RenderedMessage


class _Failing:
    def __init__(self) -> None:
        self.failures: list[Exception] = []
        self.attempts = 0

    def fail_next(self, *errors: Exception) -> None:
        """The next len(errors) sends raise these, in order; the ones after succeed again."""
        self.failures.extend(errors)

    def _try(self) -> None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)


@dataclass(frozen=True)
class SentEmail:
    message_id: str
    sender: str
    sender_name: str
    recipient: str
    message: RenderedMessage
    tags: dict[str, str]
    reply_to: str | None = None


@dataclass(frozen=True)
class SentSms:
    message_id: str
    phone: str
    text: str
    sender_id: str | None
    tags: dict[str, str]


class FakeEmail(_Failing):
    """ports.EmailSender."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentEmail] = []
        self.verified: list[str] = []

    def send(self, *, sender: str, sender_name: str, recipient: str, message: RenderedMessage,
             tags: dict[str, str], reply_to: str | None = None) -> str:
        if not recipient.split("@")[0].isascii():
            raise PermanentSendError("address_needs_smtputf8")  # SES offers no SMTPUTF8
        self._try()
        sent = SentEmail(f"ses-{len(self.sent) + 1}", sender, sender_name, recipient, message, dict(tags), reply_to)
        self.sent.append(sent)
        return sent.message_id

    def verify_sender(self, address: str) -> None:
        if address not in self.verified:
            self.verified.append(address)

    def to(self, recipient: str) -> list[SentEmail]:
        return [email for email in self.sent if email.recipient == recipient]


class FakeSms(_Failing):
    """ports.SmsSender."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[SentSms] = []
        self.opted_out: set[str] = set()  # SNS's opt-out list

    def send(self, *, phone: str, text: str, sender_id: str | None, tags: dict[str, str]) -> str:
        if phone in self.opted_out:
            raise OptedOut()
        self._try()
        sent = SentSms(f"sns-{len(self.sent) + 1}", phone, text, sender_id, dict(tags))
        self.sent.append(sent)
        return sent.message_id

    def opt_in(self, phone: str) -> None:
        self.opted_out.discard(phone)


class FakeFinanceNotifier(_Failing):
    """ports.FinanceNotifier: each event as the finance topic's subscribers would read it (JSON)."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[tuple[str, dict[str, Any]]] = []

    def publish(self, tenant_id: str, event: dict[str, Any]) -> None:
        self._try()
        self.published.append((tenant_id, json.loads(json.dumps(event, sort_keys=True))))

    def events(self, type_: str | None = None) -> list[dict[str, Any]]:
        return [event for _, event in self.published if type_ is None or event.get("type") == type_]


class FakeFinanceTopic:
    """The finance topic's subscriptions (adapters.finance_topic.SnsFinanceTopic): what was subscribed, and
    the queue policy an SQS queue of the topic's own account gets. A queue that does not exist there is refused
    naming the endpoint, as SQS would answer."""

    def __init__(self, topic_arn: str = "arn:aws:sns:eu-west-1:123456789012:finance-events",
                 queues: set[str] | None = None) -> None:
        self.topic_arn = topic_arn
        self.queues = set(queues or ())  # ARNs of the queues that exist in the topic's account
        self.subscriptions: list[dict[str, Any]] = []

    def subscribe(self, protocol: str, endpoint: str, filter_policy: dict[str, Any],
                  raw_delivery: bool) -> dict[str, Any]:
        answer: dict[str, Any] = {"filter_policy": filter_policy, "raw_message_delivery": raw_delivery}
        if protocol == "sqs":
            region, account, name = endpoint.split(":")[3:6]
            if (region, account) != tuple(self.topic_arn.split(":")[3:5]):
                answer.update({"queue_policy": "not_set", "queue_policy_statement": {"Resource": endpoint}})
            elif endpoint not in self.queues:
                raise InvalidInput(f"no queue {name!r} in account {account}", "endpoint")
            else:
                answer["queue_policy"] = "set"
        arn = f"{self.topic_arn}:sub-{len(self.subscriptions) + 1}"
        self.subscriptions.append({"protocol": protocol, "endpoint": endpoint, "subscription_arn": arn, **answer})
        return {"subscription_arn": arn, "pending_confirmation": protocol != "sqs", **answer}


if TYPE_CHECKING:
    from chalicelib.domain import ports

    _email: ports.EmailSender = FakeEmail()
    _sms: ports.SmsSender = FakeSms()
    _notifier: ports.FinanceNotifier = FakeFinanceNotifier()
    _topic: ports.FinanceTopic = FakeFinanceTopic()
