"""`kindly local up` and `kindly outbox`: the local stack, and what its SES and SNS received."""

from __future__ import annotations

import argparse

from chalicelib.cli.usage import UsageError, container, emit


def cmd_local_up(args: argparse.Namespace) -> int:
    from chalicelib.config import REPO_ROOT, cli_settings
    from chalicelib.local.stack import run_local_stack

    return run_local_stack(REPO_ROOT, cli_settings().local_stack_file, args)


def cmd_outbox(args: argparse.Namespace) -> int:
    from chalicelib.config import cli_settings
    from chalicelib.local.outbox import fetch_outbox

    endpoint = cli_settings().aws_endpoint_url
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
