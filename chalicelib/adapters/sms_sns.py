"""SMS through Amazon SNS: transactional, with the tenant's sender id, never to a number on SNS's opt-out list;
and the finance topic."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from chalicelib.adapters.aws import error_code, is_throttle
from chalicelib.domain.errors import OptedOut, PermanentSendError, Throttled

log = logging.getLogger(__name__)

# SNS accepts a publish to an opted-out number and drops it silently (only its delivery log says "Phone number
# is opted out"), so the list is asked before each SMS. A "not opted out" is kept a few minutes per number: at
# most one extra call per number per period, and a new opt-out is still seen within minutes. An "opted out" is
# not kept: the account is marked and gets no more SMS, and a debtor who texts START again must not be refused
# on a stale answer.
OPT_OUT_CACHE_SECONDS = 300.0
OPT_OUT_CACHE_SIZE = 2048


class SnsSms:
    def __init__(self, client: Any, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._client = client
        self._monotonic = monotonic
        self._not_opted_out: dict[str, float] = {}  # phone -> when that answer expires

    def send(self, *, phone: str, text: str, sender_id: str | None, tags: dict[str, str]) -> str:
        if self._is_opted_out(phone):
            raise OptedOut()
        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
        if sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
        try:
            return str(self._client.publish(PhoneNumber=phone, Message=text, MessageAttributes=attributes)["MessageId"])
        except Exception as exc:
            if is_throttle(exc):
                raise Throttled("SNS is throttling; the message will be retried") from exc
            if error_code(exc) == "OptedOut":  # SNS's OptedOutException, should it ever refuse outright
                self._not_opted_out.pop(phone, None)
                raise OptedOut() from exc
            if error_code(exc) in {"InvalidParameter", "InvalidParameterValue", "ParameterValueInvalid"}:
                raise PermanentSendError(error_code(exc)) from exc
            raise

    def opt_in(self, phone: str) -> None:
        # SNS lets a number be opted in once every 30 days; a refusal leaves the account opted in at Kindly, and
        # the next SMS's check marks it out again (audited) rather than texting a number SNS would drop.
        try:
            self._client.opt_in_phone_number(phoneNumber=phone)
        except Exception as exc:  # noqa: BLE001 - best effort, see above
            log.warning("SNS opt-in refused (%s)", error_code(exc) or type(exc).__name__)

    def _is_opted_out(self, phone: str) -> bool:
        if self._not_opted_out.get(phone, 0.0) > self._monotonic():
            return False
        try:
            opted_out = bool(self._client.check_if_phone_number_is_opted_out(phoneNumber=phone)["isOptedOut"])
        except Exception as exc:  # noqa: BLE001 - the check must not stop a send: the publish decides then
            log.warning("SNS opt-out check failed (%s); sending without it", error_code(exc) or type(exc).__name__)
            return False
        if not opted_out:
            self._remember_not_opted_out(phone)
        return opted_out

    def _remember_not_opted_out(self, phone: str) -> None:
        now = self._monotonic()
        if len(self._not_opted_out) >= OPT_OUT_CACHE_SIZE:  # a long-lived worker keeps only live answers
            self._not_opted_out = {number: until for number, until in self._not_opted_out.items() if until > now}
            while len(self._not_opted_out) >= OPT_OUT_CACHE_SIZE:
                del self._not_opted_out[next(iter(self._not_opted_out))]  # the oldest answer first
        self._not_opted_out[phone] = now + OPT_OUT_CACHE_SECONDS


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
