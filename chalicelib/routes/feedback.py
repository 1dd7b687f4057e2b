"""SES delivery events, published by the configuration set to an SNS topic: one event, one use case. The handler
answers what it did (`{"outcome": ...}`): SNS ignores it; `kindly ses event` prints it."""

from __future__ import annotations

import json
from typing import Any

from chalice import Blueprint

from chalicelib.bootstrap import container
from chalicelib.coldstart import ends_cold_start
from chalicelib.config import settings

feedback = Blueprint(__name__)


@feedback.on_sns_message(topic=settings().email_events_topic)
@ends_cold_start
def email_events(event: Any) -> dict[str, str]:
    from chalicelib.observability import logger

    try:
        ses_event = json.loads(event.message)
    except ValueError:
        logger().warning("email event is not JSON; ignored")
        return {"outcome": "malformed"}
    outcome = container().feedback.record(ses_event)
    # Names and codes only: no address, no subject.
    logger().info("email event", extra={"event_type": ses_event.get("eventType"), "outcome": outcome})
    return {"outcome": outcome}
