"""A two-way SMS notification as AWS End User Messaging publishes it to SNS (API.md, "Messages from the debtor").
AWS may add fields, so unknown ones are ignored; the ones Kindly reads are checked, and anything else is refused as
InvalidInput naming the field (never the number or the words)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.sms_replies import InboundSms
from chalicelib.inputs.fields import Phone
from chalicelib.inputs.parsing import parse

MAX_BODY_CHARS = 1600  # ten concatenated segments, more than a phone sends as one message


class InboundSmsIn(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True)

    originationNumber: Phone  # noqa: N815 - AWS's names
    destinationNumber: Annotated[str, Field(min_length=1, max_length=32)]  # noqa: N815
    messageBody: Annotated[str, Field(max_length=MAX_BODY_CHARS)]  # noqa: N815
    inboundMessageId: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")]  # noqa: N815
    messageKeyword: Annotated[str, Field(max_length=64)] | None = None  # noqa: N815
    previousPublishedMessageId: Annotated[str, Field(max_length=128)] | None = None  # noqa: N815


def inbound_sms(message: str) -> InboundSms:
    """The SNS message (JSON text) as an InboundSms; InvalidInput if it is not one."""
    data = parse(InboundSmsIn, message)
    return InboundSms(inbound_id=data.inboundMessageId, origination=data.originationNumber,
                      destination=data.destinationNumber, body=data.messageBody, keyword=data.messageKeyword,
                      previous_message_id=data.previousPublishedMessageId or None)
