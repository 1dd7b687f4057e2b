"""`kindly`: what a person does by hand, through the same use cases as the app (see API.md).

main() parses, loads the stage, runs the command and turns what went wrong into the documented exit codes:
2 for a usage error, 1 for a refused request or an unreachable AWS."""

from __future__ import annotations

import json
import sys


def main(argv: list[str] | None = None) -> int:
    from chalicelib.cli.parser import build_parser
    from chalicelib.cli.stage import load_stage
    from chalicelib.cli.usage import UsageError, container, require_tenant
    from chalicelib.config import cli_settings
    from chalicelib.domain.errors import KindlyError
    from chalicelib.observability import log_to_stderr

    args = build_parser().parse_args(argv)
    log_to_stderr(cli_settings().log_level)
    try:
        if getattr(args, "needs_stage", True):
            load_stage(getattr(args, "stage", None) or cli_settings().stage)
        if getattr(args, "tenant", None):
            require_tenant(container(), args.tenant)
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
