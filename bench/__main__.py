"""Measure Kindly against SPEC.md's budgets and issue 12's ratios, in one run, and write bench/results.json.

- sweep read cost against table size (it must follow the number due, not the table), and its read units at
  100,000 accounts (1 % due) against one Scan of the same table,
- AWS calls and capacity units per reminder through the queue worker, and the worker's rate against the same
  calls made bare (the floor),
- DynamoDB calls per payment webhook,
- read units of /v1/metrics for a 100,000-account tenant against a 1,000-account one,
- due accounts carried sweep -> SQS -> worker -> sent email, a minute,
- cold import of app.py, and what the worker loads before its first reminder, against boto3 alone,
- cost per 100k accounts a month from the measured units.

Runs on the local stand-ins (DynamoDB Local from npm + moto server), so no AWS account is needed. Every
DynamoDB call is asked for its ConsumedCapacity (bench/calls.py); bench/results.json says how many calls
reported it and how many were costed from item sizes instead (bench/units.py).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import floor
from bench.calls import CallLog, PageBudgetSpent, counting_aws_calls
from bench.costing import Measured, monthly_cost
from bench.loading import load_accounts
from bench.marginal import belongs, marginal_ms
from bench.units import extrapolated, ratio, within

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # every bench account due on 2026-11-20 is due by then
BIG_TENANT_ACCOUNTS = 100_000
SMALL_TENANT_ACCOUNTS = 1_000
DUE_SHARE = 0.01
SCAN_PAGES = 3  # pages of the whole-table Scan read before extrapolating (see _scan)
METRICS_PAGES = 5  # pages one /v1/metrics call may read before its units are extrapolated (see bench_metrics)

GOALS = {
    "sweep.read_units_ratio_vs_scan": ">= 50",
    "calls_per_reminder": "<= 3",
    "dynamodb_calls_per_webhook": "<= 3",
    "import_ratio_vs_boto3": "<= 1.5",
    "first_reminder_ratio_vs_boto3": "<= 1.5",
    "efficiency_vs_floor": ">= 0.7",
    "metrics.read_units_ratio_100k_vs_1k": "<= 1.5",
}


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


# --- sweep ----------------------------------------------------------------------------------------------------

def _sweep_row(app: Any, total: int) -> dict[str, Any]:
    with counting_aws_calls() as log:
        started = time.perf_counter()
        items = list(app.sweep.due_items(AT))
        elapsed = time.perf_counter() - started
    return {"table_accounts": total, "due": len(items), "dynamodb_calls": log.of("dynamodb"),
            "calls": dict(log.calls), "read_units": round(log.read_units, 1), "units": log.units(),
            "seconds": round(elapsed, 3)}


def _scan(app: Any) -> dict[str, Any]:
    """One Scan of the whole accounts table, eventually consistent like the sweep's Query, asking for the count
    alone (DynamoDB bills a Scan by the items it reads, whatever it returns). Its first pages are read and
    measured; the rest is extrapolated by the table's item count (DescribeTable), since DynamoDB Local takes
    seconds a 1 MB page on a busy machine and the whole table would take most of the run."""
    import boto3

    client = boto3.session.Session().client("dynamodb", region_name=app.settings.region)
    table = app.models.accounts.Meta.table_name
    description = client.describe_table(TableName=table)["Table"]
    with counting_aws_calls(page_budget=SCAN_PAGES) as log:
        try:
            for _page in client.get_paginator("scan").paginate(TableName=table, Select="COUNT"):
                pass
        except PageBudgetSpent:
            pass
    items = int(description.get("ItemCount", 0))
    return {"read_units": extrapolated(log.read_units, log.items_read, items), "table_items": items,
            "table_bytes": description.get("TableSizeBytes"), "pages_read": log.pages,
            "items_read": log.items_read, "read_units_of_pages_read": round(log.read_units, 1),
            "units": log.units(),
            "method": "measured whole (ReturnConsumedCapacity)" if log.items_read >= items else
                      f"the first {log.pages} pages measured (ReturnConsumedCapacity), extrapolated to the table's "
                      "ItemCount"}


def bench_sweep(app: Any, tenant_id: str, accounts: int) -> dict[str, Any]:
    """Grow the table while the number due stays fixed (the reads must not grow with it), then fill it to
    100,000 accounts with 1 % due and weigh the sweep's read units against one Scan's."""
    rows = []
    loaded = 0
    steps = [step for step in ((1_000, 100), (5_000, 0), (20_000, 0)) if step[0] < accounts]
    already_due = sum(due for _total, due in steps)
    steps.append((accounts, max(int(accounts * DUE_SHARE), already_due) - already_due))
    load_seconds = 0.0
    for total, due in steps:
        load_seconds += load_accounts(app, tenant_id, loaded, total - loaded, due, f"table to {total:,}")
        loaded = total
        rows.append(_sweep_row(app, total))
        say(f"sweep at {total:,} accounts: {rows[-1]['due']} due, {rows[-1]['dynamodb_calls']} DynamoDB calls, "
            f"{rows[-1]['read_units']} read units")
    scan = _scan(app)
    with counting_aws_calls() as empty:  # an instant before anything is due: the index's queries alone
        list(app.sweep.due_items(datetime(2026, 1, 1, tzinfo=UTC)))
    last = rows[-1]
    say(f"one Scan of {scan['table_items']:,} items: {scan['read_units']:.0f} read units")
    return {"rows": rows, "scans": sum(r["calls"].get("dynamodb:Scan", 0) for r in rows),
            "load_seconds": round(load_seconds, 1), "read_units_100k": last["read_units"], "scan": scan,
            "empty_sweep_read_units": round(empty.read_units, 1),
            "read_units_ratio_vs_scan": ratio(scan["read_units"], last["read_units"], 1)}


# --- /v1/metrics ----------------------------------------------------------------------------------------------

def _prepare_figures(container: Any, tenant_id: str) -> None:
    """Put a tenant's finance figures in place as the accounts' stream would have kept them: what each loaded
    account added (bench/loading.py), in the tenant's total item. Replaying 100k stream records, or `kindly metrics
    rebuild` reading every account, would take the bench minutes and change nothing in what one read costs."""
    from bench.loading import LOADED_FIGURES
    from chalicelib.domain.figures import ENDS_ITEM, TOTAL_ITEM, placements

    loaded = {key: n for key, n in LOADED_FIGURES.get(tenant_id, {}).items() if n}
    container.figure_store.replace(tenant_id, placements(loaded, AT.date()), (TOTAL_ITEM, ENDS_ITEM))


def bench_metrics(app: Any, big: dict[str, str], small: dict[str, str], big_accounts: int) -> dict[str, Any]:
    """Read units of one GET /v1/metrics, through the app's route, for each tenant."""
    from chalice.test import Client

    from app import app as chalice_app
    from chalicelib import bootstrap

    bootstrap.install(app)  # the routes use the bench's container (its clock, its tables)
    result: dict[str, Any] = {}
    with Client(chalice_app, stage_name="local") as client:
        for name, tenant, accounts in (("100k", big, big_accounts), ("1k", small, SMALL_TENANT_ACCOUNTS)):
            _prepare_figures(app, tenant["tenant_id"])
            say(f"  GET /v1/metrics for the {accounts:,}-account tenant (at most {METRICS_PAGES} pages read)")
            headers = {"Authorization": f"Bearer {tenant['api_key']}"}
            app.tenants.authenticate(headers["Authorization"])  # a warm Lambda has the key cached
            with counting_aws_calls(page_budget=METRICS_PAGES) as log:
                started = time.perf_counter()
                try:
                    answer = client.http.get("/v1/metrics", headers=headers)
                except PageBudgetSpent:  # the route answers 500 with it in its log line, or it comes through
                    pass
                elapsed = time.perf_counter() - started
            whole = not log.budget_spent
            if whole and answer.status_code != 200:
                raise RuntimeError(f"/v1/metrics answered {answer.status_code}: {answer.body[:200]!r}")
            units = log.read_units if whole else extrapolated(log.read_units, log.items_read, accounts)
            result[f"tenant_{name}"] = {
                "accounts": accounts, "read_units": round(units, 1), "dynamodb_calls": log.of("dynamodb"),
                "pages": log.pages, "seconds": round(elapsed, 2), "units": log.units(),
                "method": "measured" if whole else (
                    f"the call read more than {METRICS_PAGES} pages: the units of its first {log.pages} pages "
                    f"({log.items_read} items) extrapolated to the tenant's {accounts:,} accounts")}
    result["read_units_ratio_100k_vs_1k"] = ratio(result["tenant_100k"]["read_units"],
                                                  result["tenant_1k"]["read_units"])
    return result


# --- reminders through the worker, and the floor ---------------------------------------------------------------

def bench_reminders(app: Any, tenant_id: str, count: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Send `count` reminders through the queue worker's own batch function, counting calls and units; and the
    floor: each batch's transactions (conditions and all) and sends made again bare, right after that batch, on
    copies of its accounts as they were (bench/floor.py). Worker and floor alternate batch by batch, so a busy
    moment of the machine or of DynamoDB Local (a JVM that has just taken 100,000 accounts) weighs on both alike.
    Returns the worker's figures and the floor's."""
    from chalicelib.in_process_sweep import BATCH_SIZE, sqs_event
    from chalicelib.routes.queues import process_reminder_batch

    accounts_table, bare = app.settings.accounts_table, floor.Floor(app.settings.region)
    items = list(app.sweep.due_items(AT, tenant_id))[:count + BATCH_SIZE]
    if any(not item.get("snapshot") for item in items):
        raise RuntimeError("every account the bench sends to must ride in its queue message whole (a snapshot)")
    # A warm Lambda has built its clients and the use case, read the tenant, its policy and its link settings,
    # and compiled its templates: one batch goes through untimed first.
    with counting_aws_calls(keep=floor.is_floor_call) as warm_up:
        process_reminder_batch(sqs_event(items[:BATCH_SIZE]), app)
    # DynamoDB Local compiles its transaction path, conditions included, in its first few hundred transactions:
    # that batch's calls are replayed bare, untimed, about as many times as the timed run will make them (each
    # time on fresh copies of its accounts, so that every condition holds), which warms the floor's clients too.
    warmed = [(accounts_table, item["snapshot"]) for item in items[:BATCH_SIZE]]
    for round_ in range(max(count // BATCH_SIZE, 1)):
        bare.seed(warmed, prefix=f"warm-{round_}-")
        floor.run(bare.prepare(warm_up.requests, prefix=f"warm-{round_}-"))
    batches = [items[start:start + BATCH_SIZE] for start in range(BATCH_SIZE, len(items), BATCH_SIZE)]
    events = [sqs_event(batch) for batch in batches]
    worker, bare_calls = CallLog(), CallLog()
    worker_seconds = floor_seconds = 0.0
    sent = 0
    with only_new_objects_collected():
        for batch, event in zip(batches, events, strict=True):
            with counting_aws_calls(keep=floor.is_floor_call) as log:
                started = time.perf_counter()
                _response, outcomes = process_reminder_batch(event, app)
                worker_seconds += time.perf_counter() - started
            sent += sum(1 for o in outcomes if o.kind == "sent")
            worker.absorb(log)
            bare.seed([(accounts_table, item["snapshot"]) for item in batch])
            prepared = bare.prepare(log.requests)
            with counting_aws_calls() as log:  # the same instrumentation as the worker had
                started = time.perf_counter()
                floor.run(prepared)
                floor_seconds += time.perf_counter() - started
            bare_calls.absorb(log)
    per = max(sent, 1)
    return ({"reminders_sent": sent, "aws_calls": dict(worker.calls),
             "aws_calls_per_reminder": round(worker.total / per, 2), "units": worker.units(),
             "read_units_per_reminder": round(worker.read_units / per, 2),
             "write_units_per_reminder": round(worker.write_units / per, 2), **_timing(worker, worker_seconds, sent)},
            {"calls": dict(bare_calls.calls), "calls_made": bare_calls.total,
             **_timing(bare_calls, floor_seconds, sent)})


def _timing(log: CallLog, seconds: float, reminders: int) -> dict[str, Any]:
    return {"seconds": round(seconds, 2), "seconds_in_aws_calls": round(log.seconds_in_calls, 2),
            "seconds_by_call": {name: round(value, 2) for name, value in sorted(log.seconds_by_call.items())},
            "reminders_per_second": round(reminders / seconds, 1) if seconds else None}


@contextmanager
def only_new_objects_collected() -> Iterator[None]:
    """The bench process holds about a million objects a worker would not have (boto3 for the floor, what loading
    100,000 accounts left, the bench's own records). A collection of Python's oldest generation walks every one of
    them: a few hundred milliseconds that fall at random in whichever run is being timed. The alternating worker
    and floor batches that efficiency_vs_floor compares run with everything made before them frozen (gc.freeze),
    so a collection during either walks only what the batches made."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# --- throughput: sweep -> SQS -> worker -------------------------------------------------------------------------

def bench_throughput(app: Any, tenant_id: str) -> dict[str, Any]:
    """Every account still due for the tenant goes out through the real queue: the sweep sends the messages,
    the worker receives them in its batch size, handles them and deletes them, until the queue is empty."""
    from chalicelib.domain.sweep_holds import MAX_FLOOR, SweepLimits
    from chalicelib.in_process_sweep import BATCH_SIZE
    from chalicelib.routes.queues import process_reminder_batch

    # A tenant with no sending history would have its first big run held for a person (services/breaker.py):
    # the bench measures the pipeline, so its tenant's limits let every due account through.
    app.sweep_ledger.set_limits(tenant_id, SweepLimits(floor=MAX_FLOOR))
    sqs = app.client("sqs")
    url = sqs.get_queue_url(QueueName=app.settings.reminders_queue)["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    sent = 0
    started = time.perf_counter()
    queued = app.sweep.enqueue_due(app.queue(), tenant_id)
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=BATCH_SIZE, WaitTimeSeconds=0,
                                       AttributeNames=["ApproximateReceiveCount"]).get("Messages", [])
        if not messages:
            break
        event = {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                              "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": "",
                              "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:local:000000000000:bench",
                              "awsRegion": app.settings.region} for m in messages]}
        response, outcomes = process_reminder_batch(event, app)
        sent += sum(1 for o in outcomes if o.kind == "sent")
        failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
                if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=url, Entries=done)
    elapsed = time.perf_counter() - started
    return {"queued": queued, "emails_sent": sent, "batch_size": BATCH_SIZE, "seconds": round(elapsed, 1),
            "due_accounts_per_minute": round(sent / elapsed * 60) if elapsed else None, "cpu_count": os.cpu_count(),
            "cpu_model": cpu_model()}


# --- webhooks ----------------------------------------------------------------------------------------------------

def bench_webhooks(app: Any, tenant_id: str, count: int) -> tuple[dict[str, Any], CallLog]:
    """Pay `count` of the due accounts through signed Stripe webhooks and count AWS calls per webhook."""
    import hmac
    import secrets
    from collections import Counter
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
    with counting_aws_calls() as log:
        started = time.perf_counter()
        for body, headers in requests:
            for result in app.payments.receive(tenant_id, "stripe", body, headers):
                outcomes[result.outcome] += 1
        elapsed = time.perf_counter() - started
    return {"webhooks": count, "outcomes": dict(outcomes), "aws_calls": dict(log.calls), "units": log.units(),
            "dynamodb_calls_per_webhook": round(log.of("dynamodb") / max(count, 1), 2),
            "webhooks_per_second": round(count / elapsed, 1) if elapsed else None}, log


# --- cold start --------------------------------------------------------------------------------------------------

# A deployed worker runs with X-Ray active (the dev and prod stages) and its metrics on. The X-Ray SDK checks
# LAMBDA_TASK_ROOT when it is imported: outside Lambda it builds a sampling client of its own (over 100 ms), which a
# deployed worker never does, so every cold case below runs with Lambda's variables.
LAMBDA_LIKE = {
    "LAMBDA_TASK_ROOT": str(ROOT), "AWS_LAMBDA_FUNCTION_NAME": "kindly-bench-remind_worker",
    "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    "POWERTOOLS_TRACE_DISABLED": "false", "POWERTOOLS_METRICS_DISABLED": "false",
}


def _worker_entry() -> tuple[str, str]:
    """The queue worker's entry as deployed: chalice's handler string for a blueprint's function names the function's
    own module (chalicelib.routes.queues.remind_worker), so Lambda never imports app.py for it."""
    import app as chalice_app

    source = next(source for source in chalice_app.app.event_sources if source.name == "remind_worker")
    module, name = source.handler_string.rsplit(".", 1)
    return module, name


def _worker_modules(app: Any, env: dict[str, str], tenant_id: str) -> tuple[list[str], float]:
    """The modules a fresh worker process has loaded once its first reminder is out, beyond a bare interpreter's,
    found by running that reminder for real against the local stack, as Lambda does: import the module the
    handler string names, and call the handler (its tracer and metrics included) with one record. Only the clock is
    the bench's: the container is installed with the bench's fixed time. The modules come in the order their
    imports began (Python's "import" audit event), so the timed replay runs as the worker did: the handler's
    module first, which pulls in what it imports in its own order, then what the handler loaded on first use."""
    item = next(iter(app.sweep.due_items(AT, tenant_id)))
    record = {"messageId": "first", "receiptHandle": "first", "body": json.dumps(item),
              "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
              "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:local:000000000000:bench",
              "awsRegion": app.settings.region}
    module, name = _worker_entry()
    script = (
        "import time; began = time.perf_counter()\n"
        "import sys, json; before = set(sys.modules); started = []\n"
        "sys.addaudithook(lambda event, args: started.append(args[0]) if event == 'import' else None)\n"
        f"from {module} import {name} as handler\n"
        "from datetime import datetime\n"
        "from chalicelib.adapters.clock import FixedClock\n"
        "from chalicelib.bootstrap import Container, install\n"
        "from chalicelib.config import settings\n"
        f"install(Container(settings(), clock=FixedClock(datetime.fromisoformat({AT.isoformat()!r}))))\n"
        f"response = handler({{'Records': [{record!r}]}}, None)\n"
        "wall = time.perf_counter() - began\n"
        "loaded = [m for m in dict.fromkeys(started) if m in sys.modules and m not in before]\n"
        "print(json.dumps({'response': response, 'modules': loaded, 'app_loaded': 'app' in sys.modules,"
        " 'wall': wall}))\n"
    )
    output = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if output.returncode != 0:
        raise RuntimeError(f"the worker's first reminder failed in a fresh process:\n{output.stderr[-2000:]}")
    lines = output.stdout.strip().splitlines()
    ran = json.loads(lines[-1])
    # The handler's metrics (one EMF line on stdout, as CloudWatch reads it) say what became of the record.
    sent = [line for line in lines[:-1] if '"RemindersSent"' in line]
    if ran["response"] != {"batchItemFailures": []} or not sent:
        raise RuntimeError(f"the worker's first reminder was not sent: {ran['response']} {lines[:-1]}")
    if ran["app_loaded"]:
        raise RuntimeError(f"{module} loaded app.py, which Lambda does not load for the queue worker")
    modules: list[str] = ran["modules"]
    return [m for m in modules if not m.startswith("__") and "-" not in m], float(ran["wall"])


def first_reminder_modules(app: Any, env: dict[str, str], tenant_id: str) -> tuple[list[str], float]:
    """What the queue worker loads before its first reminder, found against the local stack (`_worker_modules`),
    and how long that fresh process took from its first line to the handler's answer: imports, the container,
    botocore's clients and the calls to the local stack. The second of two runs (each on another due account)
    is kept, the first having compiled the bytecode."""
    with tempfile.TemporaryDirectory(prefix="kindly-bench-pyc-") as bytecode:
        lambda_like = _from_bytecode({**env, **LAMBDA_LIKE}, bytecode)
        _worker_modules(app, lambda_like, tenant_id)
        return _worker_modules(app, lambda_like, tenant_id)


# Cold imports on a shared machine scatter by a third from one run to the next. In 30 interleaved runs of the same
# code, the worker's ratio from any 7 in a row lay between 1.24 and 1.51; from any 21, between 1.37 and 1.43.
COLD_REPEATS = 21


def bench_cold_import(modules: list[str], env: dict[str, str], repeats: int = COLD_REPEATS) -> dict[str, Any]:
    """Import cost in fresh interpreters, timed once the local stack is stopped: DynamoDB Local's JVM goes on
    working for a while after the loads above, and would weigh on the longer imports most. Peak memory is VmHWM,
    which exec resets (ru_maxrss would carry the parent's high-water mark over)."""
    with tempfile.TemporaryDirectory(prefix="kindly-bench-pyc-") as bytecode:
        return _cold_imports(modules, _from_bytecode({**env, **LAMBDA_LIKE}, bytecode), repeats)


def _from_bytecode(env: dict[str, str], cache: str) -> dict[str, str]:
    """Every case imports from compiled bytecode, as a Lambda does (infra/deploy.sh ships chalicelib compiled;
    site-packages come compiled). A shell with PYTHONDONTWRITEBYTECODE would otherwise compile Kindly's modules
    from source on every cold import while boto3 read its .pyc files. All cases write to and read from one
    private cache (PYTHONPYCACHEPREFIX), filled by their untimed first run, so nothing lands in the checkout."""
    env = {name: value for name, value in env.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def _cold_imports(modules: list[str], env: dict[str, str], repeats: int) -> dict[str, Any]:
    def measure(code: str) -> tuple[float, float]:
        script = ("import time; t = time.perf_counter(); " + code + "; elapsed = time.perf_counter() - t; "
                  "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]; "
                  "print(elapsed, hwm)")
        output = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                                check=True, env=env).stdout.split()
        return float(output[0]), int(output[1]) / 1024

    worker_code = _importing(modules)
    cases = {
        "app": "import app",
        "boto3": "import boto3",
        # Everything the queue worker had loaded when its first reminder was out, measured above.
        "worker_first_reminder": worker_code,
        # The same without Kindly's own modules: the share the libraries it sends with take on their own. The
        # collector is held as the worker holds it, so the two differ by Kindly's modules alone.
        "worker_libraries_only": HOLD + _importing([m for m in modules if not belongs(m, ("chalicelib",))]),
        # The same as the worker, had it not held the collector (chalicelib/coldstart.py): what the hold saves.
        "worker_collector_not_held": NO_HOLD + worker_code,
    }
    for code in cases.values():
        measure(code)  # warm the file cache and the .pyc files
    results: dict[str, Any] = {"repeats": repeats, "worker_first_reminder_modules": len(modules),
                               "bytecode": "every case from compiled bytecode, as deployed (a private pycache)"}
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(repeats):  # interleaved, so a busy moment on the machine weighs on every case alike
        for name, code in cases.items():
            runs[name].append(measure(code))
    for name in cases:
        results[f"{name}_seconds_median"] = round(statistics.median(r[0] for r in runs[name]), 3)
        results[f"{name}_peak_rss_mb"] = round(statistics.median(r[1] for r in runs[name]), 1)
    results["worker_first_reminder_heaviest_packages_ms"] = _heaviest(worker_code, env)
    results["worker_marginal_ms"] = marginal_ms(modules, env, ROOT)
    return results


HOLD = "import chalicelib; "  # importing the package holds the collector, as it does in the worker
NO_HOLD = "import chalicelib, gc; gc.enable(); "  # the package held it: let it run again at once


def _importing(modules: list[str]) -> str:
    # __import__ rather than importlib.import_module: -X importtime reports only imports that go through it.
    return "[__import__(m) for m in " + repr(modules) + "]"


def _heaviest(code: str, env: dict[str, str], top: int = 12) -> dict[str, float]:
    """Where a cold import's time goes: `python -X importtime`, summed by top-level package (self times)."""
    from collections import Counter

    stderr = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True, env=env).stderr
    by_package: Counter[str] = Counter()
    for line in stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[0].startswith("import time:") and parts[0].split(":")[1].strip().isdigit():
            by_package[parts[2].strip().split(".")[0]] += int(parts[0].split(":")[1]) / 1000
    return {name: round(ms, 1) for name, ms in by_package.most_common(top)}


# --- the run -------------------------------------------------------------------------------------------------------

def _stop_on_sigterm() -> None:
    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)  # runs the finally blocks that stop DynamoDB Local and moto

    signal.signal(signal.SIGTERM, stop)


def _units_source(results: dict[str, Any]) -> str:
    """Where the run's DynamoDB units came from, summed over every block that counted them."""
    reported = computed = 0

    def walk(node: Any) -> None:
        nonlocal reported, computed
        if isinstance(node, dict):
            reported += int(node.get("reported_by_dynamodb", 0))
            computed += int(node.get("computed_from_item_sizes", 0))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(results)
    return (f"ReturnConsumedCapacity asked on every DynamoDB call: {reported} calls reported their units, "
            f"{computed} were costed from item sizes by AWS's rules (bench/units.py)")


def _headline(results: dict[str, Any]) -> dict[str, Any]:
    """The top-level keys outside tools read (nested where the name is dotted)."""
    reminders, floor_run = results["reminders"], results["floor"]
    cold = results["cold_start"]
    results["sweep"]["read_units_ratio_vs_scan"] = results["sweep"]["read_units_ratio_vs_scan"]
    results["calls_per_reminder"] = reminders["aws_calls_per_reminder"]
    results["dynamodb_calls_per_webhook"] = results["webhooks"]["dynamodb_calls_per_webhook"]
    results["import_ratio_vs_boto3"] = ratio(cold["app_seconds_median"], cold["boto3_seconds_median"])
    results["first_reminder_ratio_vs_boto3"] = ratio(cold["worker_first_reminder_seconds_median"],
                                                     cold["boto3_seconds_median"])
    for case in ("worker_libraries_only", "worker_collector_not_held"):
        cold[f"{case}_ratio_vs_boto3"] = ratio(cold[f"{case}_seconds_median"], cold["boto3_seconds_median"])
    results["efficiency_vs_floor"] = ratio(reminders["reminders_per_second"] or 0,
                                           floor_run["reminders_per_second"] or 0)
    figures = {
        "sweep.read_units_ratio_vs_scan": results["sweep"]["read_units_ratio_vs_scan"],
        "calls_per_reminder": results["calls_per_reminder"],
        "dynamodb_calls_per_webhook": results["dynamodb_calls_per_webhook"],
        "import_ratio_vs_boto3": results["import_ratio_vs_boto3"],
        "first_reminder_ratio_vs_boto3": results["first_reminder_ratio_vs_boto3"],
        "efficiency_vs_floor": results["efficiency_vs_floor"],
        "metrics.read_units_ratio_100k_vs_1k": results["metrics"]["read_units_ratio_100k_vs_1k"],
    }
    return {name: {"value": value, "goal": GOALS[name], "met": within(value, GOALS[name])}
            for name, value in figures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--reminders", type=int, default=200)
    parser.add_argument("--webhooks", type=int, default=50)
    parser.add_argument("--accounts", type=int, default=BIG_TENANT_ACCOUNTS,
                        help="the big tenant's accounts (a smaller number for a quick try; results say which)")
    args = parser.parse_args()
    _stop_on_sigterm()

    from chalicelib.local.dynamodb_local import ensure_dynamodb_local, start_dynamodb_local
    from chalicelib.local.environment import local_environment
    from chalicelib.local.moto_server import start_moto
    from chalicelib.observability import log_to_stderr

    log_to_stderr("WARNING")
    run_started = time.perf_counter()
    ensure_dynamodb_local(ROOT)
    say("starting moto server and DynamoDB Local")
    moto = start_moto()
    dynamodb = None
    try:
        dynamodb = start_dynamodb_local(ROOT)
        os.environ.update(local_environment(moto.url, dynamodb.url))
        os.environ.setdefault("KINDLY_STAGE", "local")
        from chalicelib.cli.stage import load_stage

        load_stage("local")
        from chalicelib.adapters.clock import FixedClock
        from chalicelib.adapters.provision import initialise
        from chalicelib.bootstrap import Container
        from chalicelib.config import settings
        from chalicelib.inputs.parsing import parse
        from chalicelib.inputs.tenants import TenantIn

        app = Container(settings(), clock=FixedClock(AT))
        initialise(app)

        def tenant(name: str) -> dict[str, str]:
            created, key = app.tenants.create(parse(TenantIn, {
                "name": name, "sender_email": "billing@bench.example.com",
                "country": "GB", "timezone": "Europe/London", "locale": "en-GB"}))
            return {"tenant_id": created.tenant_id, "api_key": key}

        big, small = tenant("Bench Co"), tenant("Small Bench Co")
        results: dict[str, Any] = {"measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                                   "dynamodb": "DynamoDB Local", "machine": {"cpu_count": os.cpu_count(),
                                                                            "cpu_model": cpu_model()}}
        say(f"sweep read cost against table size (loading {args.accounts:,} accounts)")
        results["sweep"] = bench_sweep(app, big["tenant_id"], args.accounts)
        say(f"a second tenant of {SMALL_TENANT_ACCOUNTS:,} accounts")
        load_accounts(app, small["tenant_id"], 0, SMALL_TENANT_ACCOUNTS, int(SMALL_TENANT_ACCOUNTS * DUE_SHARE),
                      "small tenant")
        say("/v1/metrics for both tenants")
        results["metrics"] = bench_metrics(app, big, small, args.accounts)
        say(f"{args.reminders} reminders through the queue worker")
        results["reminders"], results["floor"] = bench_reminders(app, big["tenant_id"], args.reminders)
        say(f"  {results['reminders']['reminders_per_second']}/s; the same calls bare (the floor) "
            f"{results['floor']['reminders_per_second']}/s; payment webhooks")
        results["webhooks"], webhook_log = bench_webhooks(app, big["tenant_id"], args.webhooks)
        say("throughput: sweep -> SQS -> worker -> email for every account still due")
        results["throughput"] = bench_throughput(app, big["tenant_id"])
        say(f"  {results['throughput']['due_accounts_per_minute']} due accounts a minute; the worker's first "
            "reminder in a fresh process")
        worker_modules, first_reminder_wall = first_reminder_modules(app, dict(os.environ), small["tenant_id"])
        sweep, reminders = results["sweep"], results["reminders"]
        due_100k = sweep["rows"][-1]["due"]
        results["cost_per_100k_accounts"] = monthly_cost(Measured(
            reminder_read_units=reminders["read_units_per_reminder"],
            reminder_write_units=reminders["write_units_per_reminder"],
            sweep_read_units_per_due_account=round(sweep["read_units_100k"] / max(due_100k, 1), 3),
            empty_sweep_read_units=sweep["empty_sweep_read_units"],
            webhook_read_units=round(webhook_log.read_units / max(args.webhooks, 1), 2),
            webhook_write_units=round(webhook_log.write_units / max(args.webhooks, 1), 2)))
        results["units_source"] = _units_source(results)
    finally:
        moto.stop()
        if dynamodb:
            dynamodb.stop()
    say("cold imports, with moto and DynamoDB Local stopped")
    results["cold_start"] = bench_cold_import(worker_modules, dict(os.environ))
    results["cold_start"]["worker_first_reminder_wall_seconds"] = round(first_reminder_wall, 3)
    results["goals"] = _headline(results)
    results["run_seconds"] = round(time.perf_counter() - run_started)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: results[k] for k in ("goals", "throughput", "machine")}, indent=2))
    missed = [name for name, goal in results["goals"].items() if not goal["met"]]
    say(f"written to {RESULTS.relative_to(ROOT)}; goals missed: {', '.join(missed) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
