"""Load bench accounts fast: items built the way the repository builds them, written with BatchWriteItem (25 a
call) from several threads, with progress on stderr."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

BATCH = 25  # BatchWriteItem's limit
THREADS = 4
REPORT_EVERY = 10_000  # accounts between progress lines
# Per tenant, what the accounts' stream would have added to its finance figures for the accounts loaded here
# (an insert adds the account's whole contribution): the bench writes it in one go instead of replaying 100k
# stream records (see bench/__main__.py _prepare_figures).
LOADED_FIGURES: dict[str, Counter[str]] = {}
DUE_ON = date(2026, 11, 20)  # overdue by the bench's sweep instant
LATER = date(2027, 6, 1)  # nothing pending until long after it


def _items(app: Any, tenant_id: str, start: int, total: int, due_count: int) -> Iterator[dict[str, Any]]:
    from chalicelib.adapters.dynamodb.mapping import account_to_item
    from chalicelib.domain.accounts import Account, Invoice
    from chalicelib.domain.figures import contribution
    from chalicelib.domain.policies import STANDARD
    from chalicelib.services.accounts import refresh_schedule

    now = datetime(2026, 11, 1, tzinfo=UTC)
    figures = LOADED_FIGURES.setdefault(tenant_id, Counter())
    for i in range(start, start + total):
        overdue = i < start + due_count
        due = DUE_ON if overdue else LATER
        account = Account(tenant_id, f"acct-{i}", f"Bench Customer {i}", "en-GB", "standard",
                          email=f"customer{i}@bench.example.com", timezone="Europe/London", country="GB",
                          invoices=[Invoice(f"INV-{i}", 1000 + i, "GBP", due - timedelta(days=14), due)],
                          processor_ids={"stripe": f"cus_{i}"}, created_at=now, updated_at=now)
        refresh_schedule(account, STANDARD)
        figures.update(contribution(account))
        if overdue:  # the webhook bench finds these by their Stripe customer id
            app.account_repository.add_refs(account, account.processor_ref_keys())
        yield account_to_item(account, app.models.accounts, app.settings.due_index_shards).serialize()


def _write(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    requests = {table: [{"PutRequest": {"Item": item}} for item in items]}
    for attempt in range(10):
        unprocessed = client.batch_write_item(RequestItems=requests).get("UnprocessedItems") or {}
        if not unprocessed:
            return
        requests = unprocessed
        time.sleep(0.05 * 2 ** attempt)
    raise RuntimeError(f"DynamoDB left {len(requests[table])} items unwritten after retries")


def load_accounts(app: Any, tenant_id: str, start: int, total: int, due_count: int, label: str) -> float:
    """Write accounts acct-<start>..acct-<start+total-1>, the first `due_count` of them overdue; seconds taken."""
    import boto3

    client = boto3.session.Session().client("dynamodb", region_name=app.settings.region)
    table = app.models.accounts.Meta.table_name
    started = time.perf_counter()
    written = 0
    next_report = REPORT_EVERY
    batch: list[dict[str, Any]] = []
    with ThreadPoolExecutor(THREADS) as pool:
        pending: list[Any] = []
        for item in _items(app, tenant_id, start, total, due_count):
            batch.append(item)
            if len(batch) == BATCH:
                pending.append(pool.submit(_write, client, table, batch))
                batch = []
            if len(pending) >= THREADS * 8:  # keep memory flat and surface errors early
                for future in pending:
                    future.result()
                    written += BATCH
                pending = []
                if written >= next_report:
                    next_report += REPORT_EVERY
                    print(f"  {label}: {written:,}/{total:,} accounts "
                          f"({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
        if batch:
            pending.append(pool.submit(_write, client, table, batch))
        for future in pending:
            future.result()
    elapsed = time.perf_counter() - started
    print(f"  {label}: {total:,} accounts written in {elapsed:.0f} s", file=sys.stderr, flush=True)
    return elapsed
