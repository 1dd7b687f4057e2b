"""`kindly metrics rebuild --tenant T`: recompute a tenant's finance figures from its accounts, in place of what
the accounts table's stream kept (services/figure_stream.py)."""

from __future__ import annotations

import argparse

from chalicelib.cli.usage import UsageError, container, emit


def cmd_metrics_rebuild(args: argparse.Namespace) -> int:
    app = container()
    if app.tenant_repository.get(args.tenant) is None:
        raise UsageError(f"no tenant {args.tenant!r}")
    items = app.figure_stream.rebuild(args.tenant)
    emit({"tenant_id": args.tenant, "items_written": len(items), "figures": app.figures.figures(args.tenant)})
    return 0
