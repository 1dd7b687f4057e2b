"""`kindly sweep --at`: the sweep at an instant, in-process, to completion."""

from __future__ import annotations

import argparse

from chalicelib.cli.usage import container, emit, parse_instant


def cmd_sweep(args: argparse.Namespace) -> int:
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.in_process_sweep import run_sweep

    at = parse_instant(args.at)
    summary = run_sweep(container(clock=FixedClock(at), dry_run=args.dry_run), at, args.tenant)
    emit(summary)
    return 0 if not summary["errors"] else 1
