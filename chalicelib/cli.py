"""`kindly`: what a person does by hand, through the same use cases as the app (see API.md)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLI_ACTOR = "cli"


def local_stack_file() -> Path:
    """Where a running `kindly local up` says how to reach it (tests point it elsewhere, so a suite run never
    meets the stack a developer has up in another terminal)."""
    return Path(os.environ.get("KINDLY_LOCAL_STACK_FILE") or ROOT / ".kindly" / "local-stack.json")


class UsageError(Exception):
    pass


# --- configuration: the same stage settings the app sees ---------------------------------------------

def load_stage(stage: str) -> None:
    """Apply `.chalice/config.json`'s variables for the stage (without overriding the caller's own)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    if stage not in config["stages"]:
        raise UsageError(f"unknown stage {stage!r}; .chalice/config.json has {', '.join(config['stages'])}")
    merged = {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}
    for name, value in merged.items():
        os.environ.setdefault(name, value)
    if stage == "local" and not os.environ.get("AWS_ENDPOINT_URL"):
        _use_running_local_stack()
    from chalicelib.bootstrap import reset

    reset()


def _use_running_local_stack() -> None:
    marker = local_stack_file()
    stack = json.loads(marker.read_text()) if marker.exists() else None
    if stack is None or not process_alive(int(stack.get("pid", 0))):
        marker.unlink(missing_ok=True)  # left by a stack that was killed outright
        raise UsageError(
            "the local stack is not running: start it with `make run` (or `kindly local up`), "
            "or point AWS_ENDPOINT_URL at your own stand-ins"
        )
    for name, value in stack["environment"].items():
        os.environ.setdefault(name, value)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return pid > 0


def container(**kwargs: Any) -> Any:
    from chalicelib.bootstrap import Container
    from chalicelib.config import settings

    return Container(settings(), **kwargs)


def parse_instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"--at {text!r} is not an ISO 8601 instant like 2026-12-01T15:00:00Z") from exc
    if instant.tzinfo is None:
        raise UsageError("--at needs an offset (Z or +01:00), so the instant is unambiguous")
    return instant


def emit(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


# --- commands --------------------------------------------------------------------------------------------

def cmd_init(_args: argparse.Namespace) -> int:
    from chalicelib.adapters.provision import initialise

    emit(initialise(container()))
    return 0


def cmd_tenant_create(args: argparse.Namespace) -> int:
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn

    fields = {
        "name": args.name, "sender_email": args.sender_email, "country": args.country, "timezone": args.timezone,
        "locale": args.locale, "role": args.role, "support_email": args.support_email,
        "sms_sender_id": args.sms_sender_id,
    }
    given = parse(TenantIn, {name: value for name, value in fields.items() if value is not None})
    tenant, key = container().tenants.create(given)
    emit({"tenant_id": tenant.tenant_id, "api_key": key})
    return 0


def _require_tenant(app: Any, tenant_id: str) -> None:
    from chalicelib.domain.errors import NotFound

    if app.tenants.get(tenant_id) is None:
        raise NotFound(f"no tenant {tenant_id!r}", "tenant")


def cmd_account_put(args: argparse.Namespace) -> int:
    account, created = container().accounts.upsert(args.tenant, args.account, _read(args.file), CLI_ACTOR)
    emit({"created": created, "account": account.to_dict()})
    return 0


def cmd_account_get(args: argparse.Namespace) -> int:
    emit(container().accounts.get(args.tenant, args.account).to_dict())
    return 0


def cmd_import_accounts(args: argparse.Namespace) -> int:
    from chalicelib.services.importer import import_csv

    app = container()
    try:
        with open(args.file, newline="", encoding="utf-8-sig") as handle:
            report = import_csv(handle, lambda account_id, body: app.accounts.upsert(args.tenant, account_id,
                                                                                     body, CLI_ACTOR))
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{args.file} is not UTF-8 text (byte {exc.start}); save the CSV as UTF-8") from exc
    emit(report)
    return 0 if not report["errors"] else 1


def cmd_policy_put(args: argparse.Namespace) -> int:
    emit(container().policies.put(args.tenant, args.name, _read(args.file)).to_dict())
    return 0


def cmd_policy_get(args: argparse.Namespace) -> int:
    emit(container().policies.get(args.tenant, args.name).to_dict())
    return 0


def cmd_policy_preview(args: argparse.Namespace) -> int:
    body = {"account_id": args.account, "days": args.days, **({"start": args.start} if args.start else {})}
    emit(container().preview.preview(args.tenant, args.name, body))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from chalicelib.adapters.clock import FixedClock

    at = parse_instant(args.at)
    summary = run_sweep(container(clock=FixedClock(at), dry_run=args.dry_run), at, args.tenant)
    emit(summary)
    return 0 if not summary["errors"] else 1


def run_sweep(app: Any, at: datetime, tenant_id: str | None = None,
              on_outcome: Any = None) -> dict[str, Any]:
    """The scheduled sweep and the queue worker, in-process and to completion: the due index is read, each
    due account becomes an SQS-shaped record, and the worker's own batch function processes them."""
    from chalicelib.routes.queues import process_reminder_batch
    from chalicelib.services.sweep import summarise

    items = list(app.sweep.due_items(at, tenant_id))
    outcomes: list[Any] = []
    errors = 0
    for start in range(0, len(items), 10):
        batch = items[start:start + 10]
        response, batch_outcomes = process_reminder_batch(sqs_event(batch), app)
        errors += len(response.get("batchItemFailures", []))
        outcomes.extend(batch_outcomes)
        if on_outcome:
            for item, outcome in zip(batch, batch_outcomes, strict=False):
                on_outcome(item, outcome)
    return {**summarise(outcomes), "errors": errors, "at": args_instant(at), "dry_run": app.dry_run}


def args_instant(at: datetime) -> str:
    from chalicelib.domain.times import iso

    return iso(at)


def sqs_event(bodies: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Records": [
        {
            "messageId": str(uuid.uuid4()), "receiptHandle": "in-process", "body": json.dumps(body),
            "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": "",
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:local:000000000000:in-process",
            "awsRegion": "local",
        }
        for body in bodies
    ]}


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


def cmd_finance_subscribe(args: argparse.Namespace) -> int:
    from chalicelib.domain.errors import InvalidInput

    try:
        emit(container().finance_subscriptions.subscribe(args.tenant, args.protocol, args.endpoint))
    except InvalidInput as exc:
        raise UsageError(f"--{exc.field}: {exc.message}") from exc
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    from chalicelib.local.servers import fetch_outbox

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise UsageError("outbox reads the local stack's SES and SNS; no AWS_ENDPOINT_URL is set")
    outbox = fetch_outbox(endpoint)
    if args.tenant:
        # By the ids SES and SNS gave the tenant's own messages: tenants may share a sender address, and
        # an SMS carries nothing that names its tenant.
        ours = container().account_repository.provider_message_ids(args.tenant)
        outbox = {channel: [m for m in sent if m.get("id") in ours] for channel, sent in outbox.items()}
    emit(outbox)
    return 0


def cmd_local_up(args: argparse.Namespace) -> int:
    from chalicelib.local.stack import run_local_stack

    return run_local_stack(ROOT, local_stack_file(), args)


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc


# --- argument parsing ------------------------------------------------------------------------------------

class _Commands:
    """Sub-command groups whose every command also accepts --stage (kindly init --stage dev)."""

    def __init__(self, group: Any, stage: argparse.ArgumentParser) -> None:
        self._group = group
        self._stage = stage

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        return self._group.add_parser(name, parents=[self._stage], **kwargs)

    def add_group(self, name: str, help: str) -> _Commands:  # noqa: A002 - argparse's own word
        parser = self._group.add_parser(name, help=help)
        return _Commands(parser.add_subparsers(dest=f"{name}_command", required=True), self._stage)


def build_parser() -> argparse.ArgumentParser:
    stage = argparse.ArgumentParser(add_help=False)
    stage.add_argument("--stage", default=argparse.SUPPRESS,
                       help="stage in .chalice/config.json (default: $KINDLY_STAGE or local)")
    parser = argparse.ArgumentParser(prog="kindly", description="Kindly: humane reminders for overdue payments.",
                                     parents=[stage])
    commands = _Commands(parser.add_subparsers(dest="command", required=True), stage)

    local = commands.add_group("local", help="the local stack")
    up = local.add_parser("up", help="start moto (or DynamoDB Local), the API and a sweep timer, in the foreground")
    up.add_argument("--dynamodb-local", action="store_true", help="use Amazon's DynamoDB Local for DynamoDB")
    up.add_argument("--port", type=int, default=8000, help="port for the API (chalice local)")
    up.add_argument("--sweep-every", type=int, default=60, help="seconds between sweeps")
    up.add_argument("--no-demo", action="store_true", help="do not load the demo tenant and accounts")
    up.add_argument("--once", action="store_true", help="run one sweep and stop (for scripts and tests)")
    up.add_argument("--sweep-all-tenants", action="store_true",
                    help="let the timer sweep every tenant, not only the demo one")
    up.set_defaults(func=cmd_local_up, needs_stage=False)

    commands.add_parser("init", help="create tables, queues, topics, SES identities; idempotent").set_defaults(
        func=cmd_init)

    tenant = commands.add_group("tenant", help="tenants")
    create = tenant.add_parser("create", help="create a tenant and print its API key (shown once)")
    create.add_argument("--name", required=True)
    create.add_argument("--sender-email", required=True)
    create.add_argument("--country")
    create.add_argument("--timezone")
    create.add_argument("--locale")
    create.add_argument("--role", choices=["first_party", "third_party"])
    create.add_argument("--support-email")
    create.add_argument("--sms-sender-id")
    create.set_defaults(func=cmd_tenant_create)

    account = commands.add_group("account", help="accounts")
    put = account.add_parser("put", help="upsert one account from a JSON file (the API's body)")
    put.add_argument("account")
    put.add_argument("file")
    put.add_argument("--tenant", required=True)
    put.set_defaults(func=cmd_account_put)
    get = account.add_parser("get", help="show one account")
    get.add_argument("account")
    get.add_argument("--tenant", required=True)
    get.set_defaults(func=cmd_account_get)

    imports = commands.add_group("import", help="bulk loads")
    accounts_csv = imports.add_parser("accounts", help="upsert accounts from CSV; bad rows reported by line")
    accounts_csv.add_argument("file")
    accounts_csv.add_argument("--tenant", required=True)
    accounts_csv.set_defaults(func=cmd_import_accounts)

    policy = commands.add_group("policy", help="policies")
    policy_put = policy.add_parser("put", help="store a new version of a policy from a JSON file")
    policy_put.add_argument("name")
    policy_put.add_argument("file")
    policy_put.add_argument("--tenant", required=True)
    policy_put.set_defaults(func=cmd_policy_put)
    policy_get = policy.add_parser("get", help="show the policy in force")
    policy_get.add_argument("name")
    policy_get.add_argument("--tenant", required=True)
    policy_get.set_defaults(func=cmd_policy_get)

    policy_preview = policy.add_parser("preview", help="what the policy would send an account over N days")
    policy_preview.add_argument("name")
    policy_preview.add_argument("--tenant", required=True)
    policy_preview.add_argument("--account", required=True)
    policy_preview.add_argument("--days", type=int, default=60)
    policy_preview.add_argument("--start", help="ISO 8601 instant to start from (default: now)")
    policy_preview.set_defaults(func=cmd_policy_preview)

    sweep = commands.add_parser("sweep", help="run the sweep at an instant, in-process, to completion")
    sweep.add_argument("--at", required=True, help="ISO 8601 instant with offset, e.g. 2026-12-01T15:00:00Z")
    sweep.add_argument("--tenant")
    sweep.add_argument("--dry-run", action="store_true", help="decide everything, send and write nothing")
    sweep.set_defaults(func=cmd_sweep)

    timeline = commands.add_parser("timeline", help="an account's audit trail")
    timeline.add_argument("account")
    timeline.add_argument("--tenant", required=True)
    timeline.add_argument("--json", action="store_true", help="JSON lines (the export format)")
    timeline.set_defaults(func=cmd_timeline)

    audit = commands.add_group("audit", help="the audit trail")
    verify = audit.add_parser("verify", help="recompute the hash chain; exit 1 on a broken link")
    verify.add_argument("account", nargs="?")
    verify.add_argument("--tenant", required=True)
    verify.set_defaults(func=cmd_audit_verify)

    finance = commands.add_group("finance", help="the finance topic")
    subscribe = finance.add_parser("subscribe", help="subscribe an endpoint to one tenant's finance events")
    subscribe.add_argument("--tenant", required=True)
    subscribe.add_argument("--protocol", required=True, choices=["email", "https", "sqs"])
    subscribe.add_argument("--endpoint", required=True,
                           help="an email address, an https:// URL or an SQS queue ARN, as the protocol says")
    subscribe.set_defaults(func=cmd_finance_subscribe)

    outbox = commands.add_parser("outbox", help="what the local stack's SES and SNS received")
    outbox.add_argument("--tenant")
    outbox.set_defaults(func=cmd_outbox)
    return parser


def main(argv: list[str] | None = None) -> int:
    from chalicelib.domain.errors import KindlyError
    from chalicelib.observability import log_to_stderr

    args = build_parser().parse_args(argv)
    log_to_stderr(os.environ.get("KINDLY_CLI_LOG_LEVEL", "WARNING"))
    try:
        if getattr(args, "needs_stage", True):
            load_stage(getattr(args, "stage", None) or os.environ.get("KINDLY_STAGE") or "local")
        if getattr(args, "tenant", None):
            _require_tenant(container(), args.tenant)  # a typo must say so, not look like "nothing there"
        return int(args.func(args))
    except UsageError as exc:
        print(f"kindly: {exc}", file=sys.stderr)
        return 2
    except KindlyError as exc:
        print(json.dumps({"error": {"code": exc.code, "message": exc.message, "field": exc.field}},
                         ensure_ascii=False), file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - AWS can't be reached, or credentials are missing: say so plainly
        from botocore.exceptions import BotoCoreError, ClientError

        if not isinstance(exc, (BotoCoreError, ClientError)):
            raise
        print(f"kindly: AWS call failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
