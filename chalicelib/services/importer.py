"""CSV import for a first load: one row per invoice, rows grouped by account_id.

An account is written only if all its rows are valid (a missing invoice would look like a paid one);
every problem is reported with its line number and the other accounts are kept.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from typing import Any

from chalicelib.domain.accounts import Account
from chalicelib.domain.errors import KindlyError

ACCOUNT_COLUMNS = ("name", "email", "phone", "locale", "timezone", "country", "region", "policy", "tags",
                   "sms_consent_source", "sms_consent_at")
INVOICE_COLUMNS = ("invoice_id", "amount", "currency", "issued_on", "due_on", "status", "payment_url",
                   "processor_invoice_id")
COLUMNS = ("account_id", *ACCOUNT_COLUMNS, *INVOICE_COLUMNS)


def _account_body(row: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {k: row[k] for k in ("name", "email", "phone", "locale", "timezone", "country",
                                                 "region", "policy") if row.get(k)}
    if row.get("tags"):
        body["tags"] = [tag.strip() for tag in row["tags"].split(";") if tag.strip()]
    if row.get("sms_consent_source") or row.get("sms_consent_at"):
        body["sms_consent"] = {"source": row.get("sms_consent_source", ""), "at": row.get("sms_consent_at", "")}
    body["invoices"] = []
    return body


def _invoice(row: dict[str, str], line: int) -> dict[str, Any]:
    amount_text = (row.get("amount") or "").strip()
    if not amount_text.isdigit() or int(amount_text) == 0:
        raise ValueError(f"line {line}: amount must be a positive whole number of minor units (cents), "
                         f"got {amount_text!r}")
    invoice: dict[str, Any] = {"id": row.get("invoice_id", ""), "amount": int(amount_text)}
    for key in ("currency", "issued_on", "due_on", "status", "payment_url", "processor_invoice_id"):
        if row.get(key):
            invoice[key] = row[key]
    return invoice


def import_csv(lines: Iterable[str], upsert: Callable[[str, dict[str, Any]], tuple[Account, bool]]) -> dict[str, Any]:
    reader = csv.DictReader(lines)
    unknown = sorted(set(reader.fieldnames or []) - set(COLUMNS))
    if unknown or "account_id" not in (reader.fieldnames or []):
        problem = f"unknown columns: {', '.join(unknown)}" if unknown else "the account_id column is missing"
        return {"created": 0, "updated": 0, "errors": [{"line": 1, "message": problem}]}
    groups: dict[str, dict[str, Any]] = {}
    errors: list[dict[str, Any]] = []
    for row in reader:
        line = reader.line_num
        account_id = (row.get("account_id") or "").strip()
        if None in row:  # DictReader keeps cells beyond the header under None
            errors.append({"line": line, "account_id": account_id, "message": "more cells than the header has"})
            groups.setdefault(account_id, {"first_line": line, "lines": [], "body": {}, "bad": True})["bad"] = True
            continue
        if not account_id:
            errors.append({"line": line, "message": "account_id is empty"})
            continue
        group = groups.setdefault(account_id, {"first_line": line, "lines": [], "body": _account_body(row),
                                               "bad": False})
        group["lines"].append(line)
        if row.get("invoice_id"):
            try:
                group["body"]["invoices"].append(_invoice(row, line))
            except ValueError as exc:
                errors.append({"line": line, "account_id": account_id, "field": "amount", "message": str(exc)})
                group["bad"] = True
    counts = {"created": 0, "updated": 0}
    for account_id, group in groups.items():
        if group["bad"]:
            continue
        try:
            account, created = upsert(account_id, group["body"])
        except KindlyError as exc:
            errors.append({"line": group["first_line"], "account_id": account_id, "field": exc.field,
                           "message": exc.message})
            continue
        counts["created" if created else "updated"] += 1
    return {**counts, "errors": sorted(errors, key=lambda error: error["line"])}
