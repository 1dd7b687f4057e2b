"""The audit export: a tenant's (or one account's) audit events between two days, as CSV or JSON lines.

Built chunk by chunk, one account's trail at a time, from the paged reads of the audit table: the whole export is
never held as rows in memory, only as the text already written (Chalice answers with a whole body)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from msgspec import Struct

from chalicelib.domain.audit import AuditEvent
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.ports import AuditTrail, Clock
from chalicelib.inputs.ids import is_plausible_id

COLUMNS = ("account_id", "seq", "at", "type", "actor", "details", "prev_hash", "hash")
MAX_DAYS = 366 * 3
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


class ExportRequest(Struct, frozen=True):
    tenant_id: str
    account_id: str | None
    since: date  # inclusive, UTC days
    until: date  # inclusive

    @property
    def file_stem(self) -> str:
        who = self.account_id or "all-accounts"
        return f"kindly-audit-{who}-{self.since.isoformat()}-{self.until.isoformat()}"


def export_request(tenant_id: str, query: dict[str, str], today: date) -> ExportRequest:
    """Read `account`, `from` and `to` (YYYY-MM-DD, UTC, inclusive; `to` defaults to today and `from` to 30 days
    before it); InvalidInput naming the parameter otherwise."""
    unknown = sorted(set(query) - {"account", "from", "to"})
    if unknown:
        raise InvalidInput(f"unknown parameter {unknown[0]!r}; use account, from and to", unknown[0])
    account = (query.get("account") or "").strip() or None
    if account is not None and not is_plausible_id(account):
        raise InvalidInput("account is not an account id", "account")
    until = _day(query.get("to"), "to") or today
    since = _day(query.get("from"), "from") or until - timedelta(days=30)
    if since > until:
        raise InvalidInput("from must be on or before to", "from")
    if (until - since).days > MAX_DAYS:
        raise InvalidInput(f"from and to may be at most {MAX_DAYS} days apart", "from")
    return ExportRequest(tenant_id, account, since, until)


def _day(text: str | None, name: str) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()) if len(text.strip()) == 10 else _bad(name)
    except ValueError:
        return _bad(name)


def _bad(name: str) -> date:
    raise InvalidInput(f"{name} must be a day written YYYY-MM-DD, e.g. 2026-12-01", name)


class AuditExport:
    def __init__(self, trail: AuditTrail, clock: Clock) -> None:
        self._trail = trail
        self._clock = clock

    def request(self, tenant_id: str, query: dict[str, str]) -> ExportRequest:
        asked = export_request(tenant_id, query, self._clock.now().astimezone(UTC).date())
        if asked.account_id is not None and self._trail.get(tenant_id, asked.account_id) is None:
            raise NotFound(f"no account {asked.account_id!r}", "account")
        return asked

    def csv_chunks(self, asked: ExportRequest) -> Iterator[str]:
        yield _csv_line(COLUMNS)
        for account_id, events in self._trails(asked):
            yield "".join(_csv_line(_row(account_id, event)) for event in events)

    def jsonl_chunks(self, asked: ExportRequest) -> Iterator[str]:
        for account_id, events in self._trails(asked):
            yield "".join(json.dumps({"account_id": account_id, **event.to_dict()}, ensure_ascii=False,
                                     sort_keys=True) + "\n" for event in events)

    def _trails(self, asked: ExportRequest) -> Iterator[tuple[str, list[AuditEvent]]]:
        start = datetime.combine(asked.since, time.min, UTC)
        end = datetime.combine(asked.until + timedelta(days=1), time.min, UTC)
        accounts = [asked.account_id] if asked.account_id else self._trail.account_ids(asked.tenant_id)
        for account_id in accounts:
            # An event that no longer reads (tampered) has no trustworthy time: `kindly audit verify` reports it.
            events = [event for event in self._trail.events(asked.tenant_id, account_id)
                      if isinstance(event, AuditEvent) and start <= event.at < end]
            if events:
                yield account_id, sorted(events, key=lambda event: event.seq)


def _row(account_id: str, event: AuditEvent) -> tuple[str, ...]:
    data: dict[str, Any] = event.to_dict()
    return (account_id, str(event.seq), str(data["at"]), event.type, event.actor,
            json.dumps(event.details, ensure_ascii=False, sort_keys=True), event.prev_hash, event.hash)


def _csv_line(cells: tuple[str, ...]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(
        [f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell for cell in cells])
    return out.getvalue()
