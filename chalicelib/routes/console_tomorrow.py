"""The console's "Tomorrow's run" page (/console/tomorrow): what the next 24 hours' sweeps will send and hold back,
and the runs the circuit breaker holds. Every person of the team reads it; editors and admins approve or discard a
held run (like changing a policy, it decides what goes out), through the breaker's use case the CLI and
/v1/sweeps/held use, recorded in the hold's history as `user:<user_id>`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.routes.console import FORM, _kind_errors, _page, _post, _query, _redirect, _signed_in

if TYPE_CHECKING:
    from chalicelib.domain.console import Session

console_tomorrow = Blueprint(__name__)
DONE = {"approved": "The held run is approved: the next sweep sends it.",
        "discarded": "The held run is discarded: nothing of it is sent. The next sweep judges the accounts afresh."}


@console_tomorrow.route("/console/tomorrow", methods=["GET"])
@_kind_errors
@_signed_in
def tomorrow_page(session: Session) -> Response:
    from chalicelib.domain.console import DECIDE_HELD_SWEEPS, may

    context = container().console_tomorrow.page(session.tenant_id)
    return _page(session, "tomorrow", "Tomorrow's run", "tomorrow",
                 {**context, "can_decide": may(session.role, DECIDE_HELD_SWEEPS),
                  "notice": DONE.get(_query().get("done", ""))})


@console_tomorrow.route("/console/tomorrow/approve", methods=["POST"], content_types=FORM)
@_kind_errors
def approve_held_run() -> Response:
    from chalicelib.domain.console import DECIDE_HELD_SWEEPS

    def approve(session: Session, _form: dict[str, str]) -> Response:
        container().breaker.approve(session.tenant_id, session.actor)
        return _redirect("console/tomorrow?done=approved")

    return _post(DECIDE_HELD_SWEEPS, approve)


@console_tomorrow.route("/console/tomorrow/discard", methods=["POST"], content_types=FORM)
@_kind_errors
def discard_held_run() -> Response:
    from chalicelib.domain.console import DECIDE_HELD_SWEEPS

    def discard(session: Session, _form: dict[str, str]) -> Response:
        container().breaker.discard(session.tenant_id, session.actor)
        return _redirect("console/tomorrow?done=discarded")

    return _post(DECIDE_HELD_SWEEPS, discard)
