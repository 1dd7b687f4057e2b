"""The accounts table's stream, flowed into the figures as figures_stream would on AWS (the local poller)."""

from __future__ import annotations

from typing import Any


def flow_figures(aws: Any) -> int:
    """Apply every record the stream holds (from its start: records applied before count once); how many."""
    from chalicelib.local.figures_poller import FiguresPoller

    return FiguresPoller(aws).drain()
