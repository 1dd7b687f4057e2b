"""`kindly sweep --at`: the sweep at an instant, in-process, to completion; `kindly sweep held|approve|discard|limits`:
what a person does about a run the circuit breaker held."""

from __future__ import annotations

import argparse

from chalicelib.cli.usage import CLI_ACTOR, UsageError, container, emit, parse_instant


def cmd_sweep(args: argparse.Namespace) -> int:
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.in_process_sweep import run_sweep

    if not args.at:
        raise UsageError("sweep needs --at INSTANT (or one of: held, approve, discard, limits)")
    at = parse_instant(args.at)
    summary = run_sweep(container(clock=FixedClock(at), dry_run=args.dry_run), at, args.tenant)
    emit(summary)
    return 0 if not summary["errors"] else 1


def cmd_sweep_held(args: argparse.Namespace) -> int:
    emit(container().breaker.held(args.tenant))
    return 0


def cmd_sweep_approve(args: argparse.Namespace) -> int:
    emit(container().breaker.approve(args.tenant, CLI_ACTOR))
    return 0


def cmd_sweep_discard(args: argparse.Namespace) -> int:
    emit(container().breaker.discard(args.tenant, CLI_ACTOR))
    return 0


def cmd_sweep_limits(args: argparse.Namespace) -> int:
    from chalicelib.domain.errors import InvalidInput

    breaker = container().breaker
    if args.multiple is None and args.floor is None:
        emit(breaker.limits(args.tenant).to_dict())
        return 0
    try:
        emit(breaker.set_limits(args.tenant, args.multiple, args.floor))
    except InvalidInput as exc:
        raise UsageError(f"--{exc.field}: {exc.message}") from exc
    return 0


def cmd_forecast(args: argparse.Namespace) -> int:
    if not 1 <= args.hours <= 168:
        raise UsageError("--hours must be between 1 and 168 (a week)")
    emit(container().forecast.forecast(args.tenant, args.hours))
    return 0
