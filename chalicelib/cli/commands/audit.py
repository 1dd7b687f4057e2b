"""`kindly timeline` and `kindly audit verify`: reading and checking an account's audit trail."""

from __future__ import annotations

import argparse
import json
from typing import Any

from chalicelib.cli.usage import container, emit


def cmd_timeline(args: argparse.Namespace) -> int:
    events = container().audit.timeline(args.tenant, args.account)
    if args.json:
        for event in events:
            print(json.dumps(event.to_dict(), ensure_ascii=False))
        return 0
    for event in events:
        print(_timeline_line(event))
    return 0


def _timeline_line(event: Any) -> str:
    from chalicelib.domain.audit import UnreadableEvent

    if isinstance(event, UnreadableEvent):
        return f"#{event.seq:<4} unreadable: {event.problem}"
    details = ", ".join(f"{k}={v}" for k, v in event.details.items() if v not in (None, [], {}))
    return f"#{event.seq:<4} {event.to_dict()['at']}  {event.type:<20} {event.actor:<22} {details}"


def cmd_audit_verify(args: argparse.Namespace) -> int:
    app = container()
    ids = [args.account] if args.account else list(app.account_repository.account_ids(args.tenant))
    results = {account_id: app.audit.verify(args.tenant, account_id) for account_id in ids}
    broken = {k: v for k, v in results.items() if not v.ok}
    emit({
        "ok": not broken,
        "accounts": len(results),
        "events": sum(r.events for r in results.values()),
        "broken": {k: {**v.to_dict(), "problem": v.problem} for k, v in broken.items()},
        **({"first_broken_seq": results[args.account].first_broken_seq} if args.account else {}),
    })
    return 0 if not broken else 1
