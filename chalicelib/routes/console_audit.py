"""The console's audit export (/console/audit): the form, and a tenant's or one account's events for a date range
as CSV or JSON lines."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.routes.console import _kind_errors, _message, _page, _query, _session, _signin_page, _status_of

console_audit = Blueprint(__name__)


@console_audit.route("/console/audit", methods=["GET"])
@_kind_errors
def audit_page() -> Response:
    from datetime import UTC, timedelta

    session = _session()
    if session is None:
        return _signin_page(status=401)
    today = container().clock.now().astimezone(UTC).date()
    return _page(session, "audit", "Audit export", "audit",
                 {"since": (today - timedelta(days=30)).isoformat(), "until": today.isoformat()})


@console_audit.route("/console/audit.csv", methods=["GET"])
@_kind_errors
def audit_csv() -> Response:
    return _export("csv", "text/csv; charset=utf-8")


@console_audit.route("/console/audit.jsonl", methods=["GET"])
@_kind_errors
def audit_jsonl() -> Response:
    return _export("jsonl", "application/jsonl; charset=utf-8")


def _export(kind: str, content_type: str) -> Response:
    session = _session()
    if session is None:
        return _signin_page(status=401)
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

