"""Measure Kindly against SPEC.md's budgets and write the figures to bench/results.json.

- sweep read cost against table size (it must follow the number due, not the table),
- AWS calls per reminder (target <= 3 including the send),
- DynamoDB calls per payment webhook (target <= 3),
- cold import of app.py against boto3 alone, and peak memory,
- cost per 100k accounts a month from AWS's published prices.

Runs on the local stand-ins (DynamoDB Local from npm + moto server), so no AWS account is needed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"

# AWS list prices, us-east-1, as published in 2026 (per unit named).
PRICES = {
    "dynamodb_write_request_unit": 0.625 / 1_000_000,
    "dynamodb_read_request_unit": 0.125 / 1_000_000,
    "ses_email": 0.10 / 1000,
    "sns_sms_us": 0.00581,
    "sqs_request": 0.40 / 1_000_000,
    "lambda_request": 0.20 / 1_000_000,
    "lambda_gb_second": 0.0000166667,
    "eventbridge_schedule": 0.0,  # scheduled rules on the default bus are free
}


@contextmanager
def counting_aws_calls() -> Any:
    """Count every botocore API call (boto3 and pynamodb both go through BaseClient._make_api_call)."""
    from botocore.client import BaseClient

    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls[f"{self.meta.service_model.service_name}:{operation}"] += 1
        return original(self, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", counted):
        yield calls


def _account_body(i: int, due: date) -> dict[str, Any]:
    return {
        "name": f"Bench Customer {i}", "email": f"customer{i}@bench.example.com", "locale": "en-GB",
        "timezone": "Europe/London", "country": "GB",
        "invoices": [{"id": f"INV-{i}", "amount": 1000 + i, "currency": "GBP",
                      "issued_on": (due - timedelta(days=14)).isoformat(), "due_on": due.isoformat()}],
    }


def _load(app: Any, tenant_id: str, total: int, due_count: int, start: int) -> None:
    """Write accounts straight through the repository (intake's validation is not what is measured)."""
    from chalicelib.domain.accounts import Account, Invoice
    from chalicelib.domain.policies import STANDARD
    from chalicelib.services.accounts import refresh_schedule

    now = datetime(2026, 11, 1, tzinfo=UTC)
    with app.models.accounts.batch_write() as batch:
        from chalicelib.adapters.dynamodb.mapping import account_to_item

        for i in range(start, start + total):
            overdue = i < start + due_count
            due = date(2026, 11, 20) if overdue else date(2027, 6, 1)
            account = Account(tenant_id, f"acct-{i}", f"Bench Customer {i}", "en-GB", "standard",
                              email=f"customer{i}@bench.example.com", timezone="Europe/London", country="GB",
                              invoices=[Invoice(f"INV-{i}", 1000 + i, "GBP", due - timedelta(days=14), due)],
                              processor_ids={"stripe": f"cus_{i}"}, created_at=now, updated_at=now)
            refresh_schedule(account, STANDARD)
            if overdue:  # the webhook bench finds these by their Stripe customer id
                app.account_repository.add_refs(account, account.processor_ref_keys())
            batch.save(account_to_item(account, app.models.accounts, app.settings.due_index_shards))


def bench_sweep(app: Any, tenant_id: str) -> dict[str, Any]:
    """Grow the table while the number due stays fixed; the sweep's reads must not grow with it."""
    at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    rows = []
    loaded = 0
    for total in (1_000, 5_000, 20_000):
        _load(app, tenant_id, total - loaded, 100 if loaded == 0 else 0, loaded)
        loaded = total
        with counting_aws_calls() as calls:
            started = time.perf_counter()
            items = list(app.sweep.due_items(at))
            elapsed = time.perf_counter() - started
        rows.append({"table_accounts": total, "due": len(items), "dynamodb_calls": sum(calls.values()),
                     "calls": dict(calls), "seconds": round(elapsed, 3)})
    return {"rows": rows, "scans": sum(r["calls"].get("dynamodb:Scan", 0) for r in rows)}


def bench_reminders(app_factory: Any, tenant_id: str, count: int) -> dict[str, Any]:
    """Send `count` reminders through the queue worker's own batch function and count AWS calls."""
    at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    app = app_factory(at)
    items = list(app.sweep.due_items(at, tenant_id))[:count]
    from chalicelib.in_process_sweep import sqs_event
    from chalicelib.routes.queues import process_reminder_batch

    _ = app.remind  # build (and cache) the use case before counting: a warm Lambda has it already
    app.tenants.get(tenant_id)
    app.policies.resolve(tenant_id, "standard")
    app.links.portal_url(tenant_id, "x", at)
    sent = 0
    with counting_aws_calls() as calls:
        started = time.perf_counter()
        for start in range(0, len(items), 10):
            _response, outcomes = process_reminder_batch(sqs_event(items[start:start + 10]), app)
            sent += sum(1 for o in outcomes if o.kind == "sent")
        elapsed = time.perf_counter() - started
    total = sum(calls.values())
    return {"reminders_sent": sent, "aws_calls": dict(calls), "aws_calls_per_reminder": round(total / max(sent, 1), 2),
            "seconds": round(elapsed, 2), "reminders_per_second": round(sent / elapsed, 1) if elapsed else None}


def bench_webhooks(app: Any, tenant_id: str, count: int) -> dict[str, Any]:
    """Pay `count` of the due accounts through signed Stripe webhooks and count AWS calls per webhook."""
    import hmac
    import secrets
    from hashlib import sha256

    secret = "whsec_" + secrets.token_urlsafe(24)
    app.payments.put_secret(tenant_id, "stripe", {"secret": secret})
    app.webhook_secrets.get(tenant_id, "stripe")  # a warm Lambda holds the secret in memory
    _ = app.policies.resolve(tenant_id, "standard")

    def signed(i: int) -> tuple[bytes, dict[str, str]]:
        invoice = {"id": f"in_{i}", "customer": f"cus_{i}", "currency": "gbp", "amount_paid": 1000 + i,
                   # half name the Kindly account in their metadata; half are found by customer id (one more read)
                   "metadata": {"kindly_account_id": f"acct-{i}"} if i % 2 else {}}
        body = json.dumps({"id": f"evt_{i}", "type": "invoice.paid", "created": int(time.time()),
                           "data": {"object": invoice}}).encode()
        ts = int(time.time())
        digest = hmac.new(secret.encode(), f"{ts}.".encode() + body, sha256).hexdigest()
        return body, {"Stripe-Signature": f"t={ts},v1={digest}"}

    requests = [signed(i) for i in range(count)]
    outcomes: Counter[str] = Counter()
    with counting_aws_calls() as calls:
        started = time.perf_counter()
        for body, headers in requests:
            for result in app.payments.receive(tenant_id, "stripe", body, headers):
                outcomes[result.outcome] += 1
        elapsed = time.perf_counter() - started
    dynamodb = sum(n for name, n in calls.items() if name.startswith("dynamodb:"))
    return {"webhooks": count, "outcomes": dict(outcomes), "aws_calls": dict(calls),
            "dynamodb_calls_per_webhook": round(dynamodb / max(count, 1), 2),
            "webhooks_per_second": round(count / elapsed, 1) if elapsed else None}


def bench_cold_import(repeats: int = 7) -> dict[str, Any]:
    """Import cost in fresh interpreters. Peak memory is VmHWM, which exec resets (ru_maxrss would carry
    the parent's high-water mark over)."""

    def measure(code: str) -> tuple[float, float]:
        script = ("import time; t = time.perf_counter(); " + code + "; elapsed = time.perf_counter() - t; "
                  "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]; "
                  "print(elapsed, hwm)")
        output = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.split()
        return float(output[0]), int(output[1]) / 1024

    cases = {
        "app": "import app",
        "boto3": "import boto3",
        # What the queue worker really loads before its first reminder: the app, the AWS SDKs, the
        # DynamoDB models, templates and Babel, and powertools' batch utility.
        "worker_first_reminder": "import app, boto3, pynamodb.models, jinja2, babel.numbers, babel.dates; "
                                 "import aws_lambda_powertools.utilities.batch; "
                                 "import chalicelib.adapters.dynamodb.repositories, chalicelib.services.remind, "
                                 "chalicelib.adapters.templates_jinja",
    }
    for code in cases.values():
        measure(code)  # warm the file cache and the .pyc files
    results: dict[str, Any] = {"repeats": repeats}
    for name, code in cases.items():
        runs = [measure(code) for _ in range(repeats)]
        results[f"{name}_seconds_median"] = round(statistics.median(r[0] for r in runs), 3)
        results[f"{name}_peak_rss_mb"] = round(statistics.median(r[1] for r in runs), 1)
    return results


def monthly_cost(calls_per_reminder: dict[str, int], reminders: int) -> dict[str, Any]:
    """Cost per 100k accounts a month. Assumptions are written out next to the figure."""
    accounts = 100_000
    overdue_share = 0.15  # accounts with something overdue in a month
    reminders_per_overdue = 3.0  # emails in a month under the standard policy
    sms_share = 0.1  # of reminders
    sent = accounts * overdue_share * reminders_per_overdue
    per = {k: v / max(reminders, 1) for k, v in calls_per_reminder.items()}
    # The sweep reads each due account once (BatchGetItem, in its snapshot); the worker's own reads are
    # counted in case a snapshot was stale or too big.
    dynamodb_reads = (1 + sum(v for k, v in per.items() if k.startswith("dynamodb:") and
                              k.split(":")[1] in ("GetItem", "Query"))) * sent
    # A transaction of n items costs 2 WRU per item; the reminder path writes account + message + event(s).
    dynamodb_writes = sum(v for k, v in per.items() if k == "dynamodb:TransactWriteItems") * sent * 3 * 2
    sweeps = 30 * 24 * 4
    sweep_queries = sweeps * 4  # one query per due-index shard
    lambda_invocations = sweeps + sent / 10 + 30_000  # sweeps + worker batches + API calls from billing
    cost = {
        "dynamodb": round(dynamodb_reads * PRICES["dynamodb_read_request_unit"] * 1 +
                          sweep_queries * PRICES["dynamodb_read_request_unit"] +
                          dynamodb_writes * PRICES["dynamodb_write_request_unit"], 2),
        "ses": round(sent * (1 - sms_share) * PRICES["ses_email"], 2),
        "sns_sms": round(sent * sms_share * PRICES["sns_sms_us"], 2),
        "sqs": round(sent * 3 * PRICES["sqs_request"], 2),
        "lambda": round(lambda_invocations * PRICES["lambda_request"] +
                        lambda_invocations * 0.5 * 0.512 * PRICES["lambda_gb_second"], 2),
    }
    return {"usd_per_month": cost, "total_usd_per_month": round(sum(cost.values()), 2),
            "assumptions": {"accounts": accounts, "overdue_share": overdue_share,
                            "reminders_per_overdue_account": reminders_per_overdue, "sms_share": sms_share,
                            "reminders_sent": sent, "lambda_avg_seconds": 0.5, "lambda_memory_gb": 0.512,
                            "prices": PRICES}}


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--reminders", type=int, default=100)
    parser.add_argument("--moto-dynamodb", action="store_true", help="use moto instead of DynamoDB Local")
    args = parser.parse_args()

    from chalicelib.local.dynamodb_local import start_dynamodb_local
    from chalicelib.local.environment import local_environment
    from chalicelib.local.moto_server import start_moto
    from chalicelib.observability import log_to_stderr

    log_to_stderr("WARNING")

    moto = start_moto()
    dynamodb = None if args.moto_dynamodb else start_dynamodb_local(ROOT)
    try:
        os.environ.update(local_environment(moto.url, dynamodb.url if dynamodb else None))
        os.environ.setdefault("KINDLY_STAGE", "local")
        from chalicelib.cli.stage import load_stage

        load_stage("local")
        from chalicelib.adapters.clock import FixedClock
        from chalicelib.adapters.provision import initialise
        from chalicelib.bootstrap import Container
        from chalicelib.config import settings
        from chalicelib.inputs.parsing import parse
        from chalicelib.inputs.tenants import TenantIn

        app = Container(settings())
        initialise(app)
        tenant, _key = app.tenants.create(parse(TenantIn, {
            "name": "Bench Co", "sender_email": "billing@bench.example.com",
            "country": "GB", "timezone": "Europe/London", "locale": "en-GB"}))
        results: dict[str, Any] = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                   "dynamodb": "DynamoDB Local" if dynamodb else "moto"}
        print("sweep read cost against table size…", file=sys.stderr)
        results["sweep"] = bench_sweep(app, tenant.tenant_id)
        print("reminders through the queue worker…", file=sys.stderr)
        results["reminders"] = bench_reminders(lambda at: Container(settings(), clock=FixedClock(at)),
                                               tenant.tenant_id, args.reminders)
        print("payment webhooks…", file=sys.stderr)
        results["webhooks"] = bench_webhooks(app, tenant.tenant_id, 50)
        print("cold import…", file=sys.stderr)
        results["cold_start"] = bench_cold_import()
        results["cost_per_100k_accounts"] = monthly_cost(results["reminders"]["aws_calls"],
                                                         results["reminders"]["reminders_sent"])
    finally:
        moto.stop()
        if dynamodb:
            dynamodb.stop()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
