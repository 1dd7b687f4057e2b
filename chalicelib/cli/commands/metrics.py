"""`kindly metrics rebuild --tenant T`: correct a tenant's finance figures from its accounts, while the accounts
table's stream goes on counting (services/figure_stream.py); exit 1 when the standing items could not be checked
because changes kept landing (the accounts were corrected all the same: run it again at a quieter moment).
`kindly metrics replay`: apply again the stream's batches that figures_stream gave up on
(adapters/figures_dropped.py)."""

from __future__ import annotations

import argparse

from msgspec import to_builtins

from chalicelib.cli.usage import UsageError, container, emit


def cmd_metrics_rebuild(args: argparse.Namespace) -> int:
    app = container()
    if app.tenant_repository.get(args.tenant) is None:
        raise UsageError(f"no tenant {args.tenant!r}")
    rebuilt = app.figure_stream.rebuild(args.tenant)
    emit({"tenant_id": args.tenant, **to_builtins(rebuilt), "figures": app.figures.figures(args.tenant)})
    return 0 if rebuilt.standing_checked else 1


def cmd_metrics_replay(args: argparse.Namespace) -> int:
    """Each batch figures_stream gave up on, read again from the stream and applied; those applied in full leave
    the queue. Applying is idempotent (what is counted for each account carries its version), so the
    records of a batch that were counted before count once. Exit 1 when a batch stays: it failed again, the stream
    no longer holds it (past its 24 hours: `kindly metrics rebuild` the tenants), or the message names none."""
    from collections import Counter

    from chalicelib.adapters.figures_dropped import FiguresDropped
    from chalicelib.adapters.provision import existing_queue
    from chalicelib.routes.streams import process_figure_records

    app = container()
    sqs = app.client("sqs")
    url = existing_queue(sqs, app.settings.figures_dropped_queue)
    if url is None:
        raise UsageError(f"no queue {app.settings.figures_dropped_queue!r}: run `kindly init`")
    dropped = FiguresDropped(sqs, app.client("dynamodbstreams"), url)
    counts: Counter[str] = Counter()
    for receipt, batch in dropped.waiting():
        if batch is None:
            counts["unreadable"] += 1
            continue
        records = dropped.records(batch)
        if records is None:
            counts["expired"] += 1
            continue
        if process_figure_records({"Records": records}, app).get("batchItemFailures"):
            counts["failed"] += 1
            continue
        dropped.done(receipt)
        counts["replayed"] += 1
        counts["records"] += len(records)
    left = counts["failed"] + counts["expired"] + counts["unreadable"]
    emit({name: counts[name] for name in ("replayed", "records", "failed", "expired", "unreadable")} | {"left": left})
    return 1 if left else 0
