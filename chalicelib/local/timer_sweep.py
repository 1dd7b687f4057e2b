"""One sweep of the local stack's timer, printed as it goes: a line per decision, in the debtor's local time,
so a newcomer sees why a reminder went out or waits."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def say(text: str) -> None:
    print(text, flush=True)


def sweep_and_tell(app_factory: Callable[[], Any], tenant_id: str | None) -> None:
    from chalicelib.in_process_sweep import run_sweep

    app = app_factory()
    now = app.clock.now()
    stamp = now.strftime("%H:%M:%S")
    summary = run_sweep(app, now, tenant_id,
                        on_outcome=lambda item, outcome: say(f"{stamp} {describe(app, item, outcome)}"))
    for hold in summary["sweep_held"]:
        say(f"{stamp} held      {hold['messages']} messages of tenant {hold['tenant_id']} — far above its usual day;"
            f" `kindly sweep approve --tenant {hold['tenant_id']}` sends them")
    counts = {k: summary[k] for k in ("evaluated", "sent", "deferred", "withheld", "errors")}
    say(f"{stamp} sweep done: {json.dumps(counts)}")


def describe(app: Any, item: dict[str, str], outcome: Any) -> str:
    from chalicelib.domain.schedule import recipient_zones, zone

    account = app.account_repository.get(item["tenant_id"], item["account_id"])
    where = recipient_zones(account)[0] if account else "?"
    local = datetime.now(UTC).astimezone(zone(where)).strftime("%a %H:%M") if account else "?"
    what = f"{outcome.channel or '':<5} {outcome.template or '':<18}"
    line = f"{outcome.kind:<9} {what} {item['account_id']:<17} local {local} {where}"
    if outcome.kind == "deferred" and outcome.until:
        until = outcome.until.astimezone(zone(where)).strftime("%a %d %b %H:%M")
        return f"{line}  — {outcome.reason}, waits until {until} local"
    if outcome.reason:
        return f"{line}  — {outcome.reason}"
    return line
