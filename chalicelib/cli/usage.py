"""What every `kindly` command shares: the usage error (exit 2), JSON output, reading a file, an --at instant,
and the same container as the app."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

CLI_ACTOR = "cli"  # who the audit trail says made a change through the command


class UsageError(Exception):
    pass


def emit(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))


def read_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from exc


def parse_instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise UsageError(f"--at {text!r} is not an ISO 8601 instant like 2026-12-01T15:00:00Z") from exc
    if instant.tzinfo is None:
        raise UsageError("--at needs an offset (Z or +01:00), so the instant is unambiguous")
    return instant


def container(**kwargs: Any) -> Any:
    from chalicelib.bootstrap import Container
    from chalicelib.config import settings

    return Container(settings(), **kwargs)


def require_tenant(app: Any, tenant_id: str) -> None:
    """A typo in --tenant must say so, not look like "nothing there"."""
    from chalicelib.domain.errors import NotFound

    if app.tenants.get(tenant_id) is None:
        raise NotFound(f"no tenant {tenant_id!r}", "tenant")
