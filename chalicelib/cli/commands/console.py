"""`kindly user add|list|remove` and `kindly console rotate-key`: the finance console's people and session keys."""

from __future__ import annotations

import argparse

from chalicelib.cli.usage import CLI_ACTOR, UsageError, container, emit


def cmd_user_add(args: argparse.Namespace) -> int:
    from chalicelib.domain.errors import InvalidInput

    try:
        user = container().console_people.add(args.tenant, args.email, args.role, CLI_ACTOR)
    except InvalidInput as exc:
        raise UsageError(f"--{exc.field or 'email'}: {exc.message}") from exc
    print(user.user_id)
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    emit([user.to_dict() for user in container().console_people.of_tenant(args.tenant)])
    return 0


def cmd_user_remove(args: argparse.Namespace) -> int:
    container().console_people.remove(args.tenant, args.user, CLI_ACTOR)
    emit({"removed": args.user})
    return 0


def cmd_console_rotate_key(_args: argparse.Namespace) -> int:
    container().session_keys.rotate()
    emit({"rotated": True, "note": "sessions signed with the previous key stay valid until they expire"})
    return 0
