"""Texts from debtors, as AWS End User Messaging publishes them to the two-way SMS topic: one text, one use case.
Bad input is logged (one line, no number, no words) and dropped: raising would only make Lambda retry it.
The handler answers what it did (`{"outcome": ...}`): SNS ignores it; `kindly sms receive` prints it."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.bootstrap import container
from chalicelib.coldstart import ends_cold_start
from chalicelib.config import settings

sms = Blueprint(__name__)


@sms.on_sns_message(topic=settings().sms_inbound_topic)
@ends_cold_start
def sms_inbound(event: Any) -> dict[str, str]:
    from chalicelib.domain.errors import InvalidInput
    from chalicelib.inputs.sms_inbound import inbound_sms
    from chalicelib.observability import logger

    try:
        inbound = inbound_sms(event.message)
    except InvalidInput as exc:
        sns_message_id = (event.to_dict().get("Records") or [{}])[0].get("Sns", {}).get("MessageId")
        logger().warning("inbound sms ignored", extra={"outcome": "malformed", "field": exc.field,
                                                       "sns_message_id": sns_message_id})
        return {"outcome": "malformed"}
    outcome = container().sms_replies.receive(inbound)
    # Codes and ids only: the debtor's number and words stay out of the logs.
    logger().info("inbound sms", extra={"outcome": outcome, "inbound_message_id": inbound.inbound_id})
    return {"outcome": outcome}
