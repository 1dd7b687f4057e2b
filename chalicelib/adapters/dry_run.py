"""Stand-ins for `kindly sweep --dry-run`: the real reads, the real decisions, no writes and no sends."""

from __future__ import annotations

from typing import Any


class ReadOnlyAccounts:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)  # reads pass through

    def save(self, account: Any) -> None:
        account.pending_events.clear()

    def add_refs(self, account: Any, ref_keys: set[str]) -> None:
        return None

    def note_engagement(self, *_args: Any) -> bool:
        return True

    def claim_message(self, account: Any, message: dict[str, Any], short_link: Any = None) -> bool:
        return self._inner.message_status(account.tenant_id, account.account_id, message["message_id"]) is None

    def finish_message(self, account: Any, message_id: str, status: str, details: dict[str, Any]) -> None:
        account.pending_events.clear()


class NullSender:
    def send(self, **_kwargs: Any) -> str:
        return "dry-run"

    def publish(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    def verify_sender(self, _address: str) -> None:
        return None
