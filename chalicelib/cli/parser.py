"""The `kindly` command line: every command, option and help text (API.md lists them)."""

from __future__ import annotations

import argparse
from typing import Any

from chalicelib.cli.commands.accounts import cmd_account_get, cmd_account_put, cmd_import_accounts
from chalicelib.cli.commands.audit import cmd_audit_verify, cmd_timeline
from chalicelib.cli.commands.console import cmd_console_rotate_key, cmd_user_add, cmd_user_list, cmd_user_remove
from chalicelib.cli.commands.debtor_events import SES_TYPES, cmd_ses_event, cmd_sms_receive
from chalicelib.cli.commands.local import cmd_local_up, cmd_outbox
from chalicelib.cli.commands.metrics import cmd_metrics_rebuild, cmd_metrics_replay
from chalicelib.cli.commands.policies import cmd_policy_get, cmd_policy_preview, cmd_policy_put
from chalicelib.cli.commands.sweep import (
    cmd_forecast,
    cmd_sweep,
    cmd_sweep_approve,
    cmd_sweep_discard,
    cmd_sweep_held,
    cmd_sweep_limits,
)
from chalicelib.cli.commands.tenants import (
    cmd_finance_subscribe,
    cmd_init,
    cmd_tenant_check,
    cmd_tenant_create,
    cmd_tenant_set,
)


class _Commands:
    """Sub-command groups whose every command also accepts --stage (kindly init --stage dev)."""

    def __init__(self, group: Any, stage: argparse.ArgumentParser) -> None:
        self._group = group
        self._stage = stage

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = self._group.add_parser(name, parents=[self._stage], **kwargs)
        return parser

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
    create.add_argument("--reply-to", help="where debtors' replies to emails go (default: --support-email)")
    create.add_argument("--sms-sender-id")
    create.add_argument("--display-name", help="the brand the debtor knows (default: --name)")
    create.add_argument("--logo-url", help="https URL of the logo shown on the debtor's page")
    create.add_argument("--accent-color", help="#rrggbb, dark enough for white text (WCAG AA)")
    create.add_argument("--sender-domain", help="the tenant's own domain (the sender address's or a parent): set up "
                        "in SES with Easy DKIM and MAIL FROM bounce.<domain>; prints the DNS records to publish")
    create.set_defaults(func=cmd_tenant_create)
    tenant_set = tenant.add_parser("set", help="change a tenant's settings")
    tenant_set.add_argument("--tenant", required=True)
    tenant_set.add_argument("--excluded-days",
                            help="days the tenant is closed, YYYY-MM-DD,YYYY-MM-DD (the whole list; '' clears it): "
                                 "reminders due then wait for the next open day")
    tenant_set.add_argument("--daily-summary-to", help="email the day's forecast to this address (finance), once a "
                            "day before the first send window opens ('' stops it)")
    tenant_set.add_argument("--reply-to", help="where debtors' written replies go (the Reply-To of every email; "
                            "'' clears it: replies then go to the support address)")
    tenant_set.set_defaults(func=cmd_tenant_set)
    check = tenant.add_parser("check", help="which of the sender domain's DNS records are in place; exit 1 if not all")
    check.add_argument("--tenant", required=True)
    check.set_defaults(func=cmd_tenant_check)

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
    sweep.add_argument("--at", help="ISO 8601 instant with offset, e.g. 2026-12-01T15:00:00Z")
    sweep.add_argument("--tenant")
    sweep.add_argument("--dry-run", action="store_true", help="decide everything, send and write nothing")
    sweep.set_defaults(func=cmd_sweep)
    held_runs = _Commands(sweep.add_subparsers(dest="sweep_command", required=False), stage)
    for name, func, text in (
        ("held", cmd_sweep_held, "the tenant's held sweep runs, their figures and who did what"),
        ("approve", cmd_sweep_approve, "let the held run go out: the next sweep queues it"),
        ("discard", cmd_sweep_discard, "close the held run without sending; the next sweep judges afresh"),
    ):
        held_run = held_runs.add_parser(name, help=text)
        held_run.add_argument("--tenant", required=True)
        held_run.set_defaults(func=func)
    limits = held_runs.add_parser("limits", help="show or set when the breaker holds a tenant's run")
    limits.add_argument("--tenant", required=True)
    limits.add_argument("--multiple", type=float, help="hold above this multiple of the usual day (default 3)")
    limits.add_argument("--floor", type=int, help="never hold a day of at most this many messages (default 50)")
    limits.set_defaults(func=cmd_sweep_limits)

    forecast = commands.add_parser("forecast", help="what the coming sweeps will send and hold back; writes nothing")
    forecast.add_argument("--tenant", required=True)
    forecast.add_argument("--hours", type=int, default=24)
    forecast.set_defaults(func=cmd_forecast)

    metrics = commands.add_group("metrics", help="the finance figures of GET /v1/metrics")
    rebuild = metrics.add_parser("rebuild", help="recompute a tenant's figures from its accounts (reads them all)")
    rebuild.add_argument("--tenant", required=True)
    rebuild.set_defaults(func=cmd_metrics_rebuild)
    replay = metrics.add_parser("replay", help="apply again the batches of the accounts stream figures_stream "
                                               "gave up on (within the stream's 24 hours)")
    replay.set_defaults(func=cmd_metrics_replay)

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

    user = commands.add_group("user", help="people of a tenant's finance team (the finance console)")
    user_add = user.add_parser("add", help="register a person with a role; prints the user id")
    user_add.add_argument("--tenant", required=True)
    user_add.add_argument("--email", required=True)
    user_add.add_argument("--role", required=True, choices=["viewer", "editor", "admin"])
    user_add.set_defaults(func=cmd_user_add)
    user_list = user.add_parser("list", help="the tenant's people and their roles")
    user_list.add_argument("--tenant", required=True)
    user_list.set_defaults(func=cmd_user_list)
    user_remove = user.add_parser("remove", help="remove a person; their sessions end at once")
    user_remove.add_argument("user")
    user_remove.add_argument("--tenant", required=True)
    user_remove.set_defaults(func=cmd_user_remove)

    console_group = commands.add_group("console", help="the finance console")
    console_group.add_parser("rotate-key", help="sign new sessions with a new key; the previous stays accepted"
                             ).set_defaults(func=cmd_console_rotate_key)

    sms = commands.add_group("sms", help="texts from debtors, as two-way SMS publishes them (local stack, tests)")
    receive = sms.add_parser("receive", help="hand a debtor's text to the sms_inbound function, in-process")
    receive.add_argument("--from", dest="origination", required=True, help="the debtor's number, E.164")
    receive.add_argument("--body", required=True, help="what they wrote: STOP, START, HELP or any words")
    receive.add_argument("--to", help="our number they wrote to (default: a local placeholder)")
    receive.add_argument("--answering", help="the SNS id of our text they answer (`kindly outbox`'s sms id)")
    receive.add_argument("--at", help="when the text arrives, ISO 8601 with offset: Kindly's clock (default: now)")
    receive.set_defaults(func=cmd_sms_receive)

    ses = commands.add_group("ses", help="SES's events about an email Kindly sent (local stack, tests)")
    ses_event = ses.add_parser("event", help="hand an SES delivery, open or click to the email_events function")
    ses_event.add_argument("--tenant", required=True)
    ses_event.add_argument("--message-id", required=True,
                           help="the email's id: Kindly's (the timeline's message_id) or SES's (`kindly outbox`)")
    ses_event.add_argument("--type", required=True, choices=sorted(SES_TYPES))
    ses_event.add_argument("--account", help="the account it was sent to (default: found among the tenant's)")
    ses_event.add_argument("--at", help="when it happened, ISO 8601 with offset: the event's own timestamp "
                           "(default: now)")
    ses_event.set_defaults(func=cmd_ses_event)

    outbox = commands.add_parser("outbox", help="what the local stack's SES and SNS received")
    outbox.add_argument("--tenant")
    outbox.set_defaults(func=cmd_outbox)
    return parser
