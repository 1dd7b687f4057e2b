"""The console's audit export (/console/audit): the form, and a tenant's or one account's events for a date range
as CSV or JSON lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.routes.console import _kind_errors, _message, _page, _query, _signed_in, _status_of

if TYPE_CHECKING:
    from chalicelib.domain.console import Session

console_audit = Blueprint(__name__)


@console_audit.route("/console/audit", methods=["GET"])
@_kind_errors
@_signed_in
def audit_page(session: Session) -> Response:
    from datetime import UTC, timedelta

    today = container().clock.now().astimezone(UTC).date()
    return _page(session, "audit", "Audit export", "audit",
                 {"since": (today - timedelta(days=30)).isoformat(), "until": today.isoformat()})


@console_audit.route("/console/audit.csv", methods=["GET"])
@_kind_errors
@_signed_in
def audit_csv(session: Session) -> Response:
    return _export(session, "csv", "text/csv; charset=utf-8")


@console_audit.route("/console/audit.jsonl", methods=["GET"])
@_kind_errors
@_signed_in
def audit_jsonl(session: Session) -> Response:
    return _export(session, "jsonl", "application/jsonl; charset=utf-8")


def _export(session: Session, kind: str, content_type: str) -> Response:
    export = container().console_export
    try:
        asked = export.request(session.tenant_id, _query())
    except (InvalidInput, NotFound) as exc:
        return _message(session, "That export cannot be made", exc.message, status=_status_of(exc),
                        link=("Back to the export", "console/audit"))
    chunks = export.csv_chunks(asked) if kind == "csv" else export.jsonl_chunks(asked)
    headers = {"Content-Type": content_type, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
               "Content-Disposition": f'attachment; filename="{asked.file_stem}.{kind}"'}
    return Response(body="".join(chunks), status_code=200, headers=headers)

