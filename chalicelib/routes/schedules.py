"""Scheduled functions."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

from chalicelib.bootstrap import container
from chalicelib.coldstart import ends_cold_start

schedules = Blueprint(__name__)


@schedules.schedule(Rate(15, unit=Rate.MINUTES))
@ends_cold_start
def sweep(event: Any) -> dict[str, int]:
    """Every 15 minutes: queue each account whose next action is due (read from the due index)."""
    from chalicelib.observability import logger

    app = container()
    queued = app.sweep.enqueue_due(app.queue())
    logger().info("sweep queued due accounts", extra={"queued": queued})
    return {"queued": queued}


@schedules.schedule(Rate(15, unit=Rate.MINUTES))
@ends_cold_start
def daily_summary(event: Any) -> dict[str, int]:
    """Every 15 minutes: email each tenant's finance team that asked for it the day's forecast summary, once a local
    day, in the hour before its first send window opens."""
    from chalicelib.observability import logger

    done = container().daily_summary.send_due()
    logger().info("daily summaries", extra=done)
    return done
