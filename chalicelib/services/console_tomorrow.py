"""The console's "Tomorrow's run" page: the next 24 hours' forecast of a tenant's sweeps (services/forecast.py, from
the real accounts), counted and said in plain words (domain/tomorrow.py), with the runs the circuit breaker holds
and what it is expected to do. Reads only; approving or discarding a held run is the breaker's own use case."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.ports import Forecasts, HeldSweeps
from chalicelib.domain.sweep_holds import APPROVED, HELD
from chalicelib.domain.tomorrow import breaker_words, capped, hold_words, local_when, reason_words, summarise

HOURS = 24
ROWS_SHOWN = 200  # per list; a large tenant's page says "and N more" (the CLI and /v1/forecast list them all)


class ConsoleTomorrow:
    def __init__(self, forecasts: Forecasts, held_sweeps: HeldSweeps) -> None:
        self._forecasts = forecasts
        self._held = held_sweeps

    def page(self, tenant_id: str, rows_shown: int = ROWS_SHOWN) -> dict[str, Any]:
        forecast = self._forecasts.forecast(tenant_id, HOURS)
        send, more_send = capped(forecast["send"], rows_shown)
        hold_back, more_hold_back = capped(forecast["hold_back"], rows_shown)
        summary = summarise(forecast)
        return {
            "since": forecast["from"], "until": forecast["until"], "accounts_due": forecast["accounts_due"],
            "summary": summary, "breaker": breaker_words(forecast["breaker"]),
            "send": [_shown(row) for row in send], "more_send": more_send,
            "hold_back": [{**_shown(row), "why": reason_words(row["reason"])} for row in hold_back],
            "more_hold_back": more_hold_back,
            "waited": [(reason_words(code), n) for code, n in summary.waited],
            "hand_over": [_shown(row) for row in forecast["hand_over"]],
            "holds": self.open_holds(tenant_id),
        }

    def open_holds(self, tenant_id: str) -> list[dict[str, Any]]:
        """The runs held (waiting for a person) or approved (the next sweep sends them), each said in words."""
        holds = self._held.held(tenant_id)["holds"]
        return [{**hold, "words": hold_words(hold), "waiting": hold["status"] == HELD} for hold in holds
                if hold["status"] in (HELD, APPROVED)]


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    waited = row.get("waited_for")
    return {**row, "when": local_when(row["local_time"]), "waited": reason_words(waited) if waited else None,
            "what": row.get("template") or str(row.get("action") or "").replace("_", " ")}
