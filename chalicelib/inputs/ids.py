"""Ids that arrive in a path or a payload (no pydantic here: the webhook path checks them on every event)."""

from __future__ import annotations

import re

from chalicelib.domain.errors import InvalidInput

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$"


def check_account_id(account_id: str) -> None:
    """Checked whole: API Gateway decodes %0A, and re.match's "$" would let a trailing newline through."""
    if not re.fullmatch(ID_PATTERN, account_id or ""):
        raise InvalidInput(
            "an account id is 1-128 letters, digits and . _ : @ - (starting with a letter or digit)", "account_id"
        )


def is_plausible_id(text: str) -> bool:
    """Whether `text` could be an id at all (an event naming something no account could be called names none)."""
    return re.fullmatch(ID_PATTERN, text or "") is not None
