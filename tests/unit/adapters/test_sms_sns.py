"""The SNS SMS adapter asks SNS's opt-out list before each SMS, at most once per number per few minutes, and
turns an opted-out number (found on the list or refused at send time) into OptedOut, never into a send."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.adapters.sms_sns import OPT_OUT_CACHE_SECONDS, OPT_OUT_CACHE_SIZE, SnsSms
from chalicelib.domain.errors import OptedOut, PermanentSendError

pytestmark = pytest.mark.unit

PHONE = "+34600123456"
REFUSED_OPT_IN = "+34600999999"


class ClientError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class RecordingSns:
    """Stands in for the SNS client: an opt-out list, each call kept."""

    def __init__(self) -> None:
        self.opted_out: set[str] = set()
        self.calls: list[tuple[str, str]] = []
        self.check_fails: Exception | None = None
        self.publish_fails: Exception | None = None

    def check_if_phone_number_is_opted_out(self, *, phoneNumber: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls.append(("check", phoneNumber))
        if self.check_fails:
            raise self.check_fails
        return {"isOptedOut": phoneNumber in self.opted_out}

    def publish(self, *, PhoneNumber: str, Message: str, MessageAttributes: dict[str, Any]) -> dict[str, str]:  # noqa: N803
        self.calls.append(("publish", PhoneNumber))
        if self.publish_fails:
            raise self.publish_fails
        return {"MessageId": f"sns-{len(self.calls)}"}

    def opt_in_phone_number(self, *, phoneNumber: str) -> dict[str, Any]:  # noqa: N803 - boto3's name
        self.calls.append(("opt_in", phoneNumber))
        if phoneNumber == REFUSED_OPT_IN:
            raise ClientError("InvalidParameter")  # SNS: once every 30 days
        self.opted_out.discard(phoneNumber)
        return {}

    def count(self, what: str) -> int:
        return sum(1 for call, _ in self.calls if call == what)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def sender() -> tuple[SnsSms, RecordingSns, Clock]:
    sns, clock = RecordingSns(), Clock()
    return SnsSms(sns, monotonic=clock), sns, clock


def text(sms: SnsSms, phone: str = PHONE) -> str:
    return sms.send(phone=phone, text="Hola", sender_id=None, tags={})


def test_the_opt_out_list_is_asked_once_per_number_per_period():
    sms, sns, clock = sender()
    text(sms)
    text(sms)
    text(sms, "+34600999888")
    assert (sns.count("check"), sns.count("publish")) == (2, 3)
    clock.now += OPT_OUT_CACHE_SECONDS + 1
    text(sms)
    assert sns.count("check") == 3  # the answer was old: asked again


def test_an_opted_out_number_is_refused_without_a_publish_and_asked_again_next_time():
    sms, sns, _clock = sender()
    sns.opted_out.add(PHONE)
    with pytest.raises(OptedOut):
        text(sms)
    assert sns.count("publish") == 0
    sns.opted_out.clear()  # the debtor texted START and the number was opted in again
    text(sms)
    assert (sns.count("check"), sns.count("publish")) == (2, 1)


def test_a_new_opt_out_is_seen_once_the_kept_answer_expires():
    sms, sns, clock = sender()
    text(sms)
    sns.opted_out.add(PHONE)
    clock.now += OPT_OUT_CACHE_SECONDS + 1
    with pytest.raises(OptedOut):
        text(sms)


def test_a_refusal_as_opted_out_at_send_time_is_opted_out_and_forgets_the_kept_answer():
    sms, sns, _clock = sender()
    text(sms)
    sns.publish_fails = ClientError("OptedOut")
    with pytest.raises(OptedOut):
        text(sms)
    sns.publish_fails = None
    text(sms)
    assert sns.count("check") == 2  # asked again after the refusal


def test_a_failed_check_does_not_stop_the_send():
    sms, sns, _clock = sender()
    sns.check_fails = ClientError("ThrottledException")
    assert text(sms).startswith("sns-")
    assert sns.count("publish") == 1


def test_an_invalid_number_is_still_a_refusal_for_good():
    sms, sns, _clock = sender()
    sns.publish_fails = ClientError("InvalidParameter")
    with pytest.raises(PermanentSendError) as refused:
        text(sms)
    assert not isinstance(refused.value, OptedOut)


def test_the_kept_answers_stay_bounded():
    sms, sns, _clock = sender()
    for n in range(OPT_OUT_CACHE_SIZE + 10):
        text(sms, f"+3460{n:07d}")
    text(sms, "+34600000000")  # among the oldest: dropped to make room, so asked again
    assert sns.count("check") == OPT_OUT_CACHE_SIZE + 11


def test_a_start_takes_the_number_off_the_list_and_the_next_text_goes():
    sms, sns, _clock = sender()
    sns.opted_out.add(PHONE)

    sms.opt_in(PHONE)

    assert text(sms).startswith("sns-")


def test_a_refused_opt_in_is_not_an_error_and_the_number_stays_refused():
    sms, sns, _clock = sender()
    sns.opted_out.add(REFUSED_OPT_IN)

    sms.opt_in(REFUSED_OPT_IN)

    with pytest.raises(OptedOut):
        text(sms, REFUSED_OPT_IN)
