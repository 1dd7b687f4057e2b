"""Scheduled functions."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Rate

from chalicelib.bootstrap import container

schedules = Blueprint(__name__)


@schedules.schedule(Rate(15, unit=Rate.MINUTES))
def sweep(event: Any) -> dict[str, int]:
    """Every 15 minutes: queue each account whose next action is due (read from the due index)."""
    from chalicelib.observability import logger

    app = container()
    queued = app.sweep.enqueue_due(app.queue())
    logger().info("sweep queued due accounts", extra={"queued": queued})
    return {"queued": queued}
