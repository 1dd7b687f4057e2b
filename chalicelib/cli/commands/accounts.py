"""`kindly account put|get` and `kindly import accounts`: accounts one by one or from a CSV file."""

from __future__ import annotations

import argparse

from chalicelib.cli.usage import CLI_ACTOR, UsageError, container, emit, read_file


def cmd_account_put(args: argparse.Namespace) -> int:
    account, created = container().accounts.upsert(args.tenant, args.account, read_file(args.file), CLI_ACTOR)
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
