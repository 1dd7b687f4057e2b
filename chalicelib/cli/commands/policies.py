"""`kindly policy put|get|preview`: a tenant's reminder policies, as the API serves them."""

from __future__ import annotations

import argparse

from chalicelib.cli.usage import container, emit, read_file


def cmd_policy_put(args: argparse.Namespace) -> int:
    emit(container().policies.put(args.tenant, args.name, read_file(args.file)).to_dict())
    return 0


def cmd_policy_get(args: argparse.Namespace) -> int:
    emit(container().policies.get(args.tenant, args.name).to_dict())
    return 0


def cmd_policy_preview(args: argparse.Namespace) -> int:
    body = {"account_id": args.account, "days": args.days, **({"start": args.start} if args.start else {})}
    emit(container().preview.preview(args.tenant, args.name, body))
    return 0
