"""The finance console's stores in memory: people, sign-in links, counters, sessions, changes, session keys
(adapters/dynamodb/console.py and adapters/secrets_ssm.SsmSessionKeys; test_fakes_match_adapters keeps them
alike)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from chalicelib.domain.console import ConsoleChange, ConsoleUser, Session, SignInLink
from chalicelib.domain.errors import Conflict


class FakeConsole:
    """ports.ConsoleUsers, ports.ConsoleSignIns, ports.ConsoleChanges and ports.DailySummaries."""

    def __init__(self) -> None:
        self.users: dict[tuple[str, str], ConsoleUser] = {}
        self.links: dict[str, SignInLink] = {}
        self.counters: dict[tuple[str, str], int] = {}
        self.sessions: dict[tuple[str, str], Session] = {}
        self.changes: dict[str, list[ConsoleChange]] = {}
        self.summary_to: dict[str, str] = {}
        self.summary_days: set[tuple[str, date]] = set()

    def add(self, user: ConsoleUser) -> None:
        if any(u.tenant_id == user.tenant_id and u.email == user.email for u in self.users.values()):
            raise Conflict("this tenant already has a person with that email address", "email")
        self.users[(user.tenant_id, user.user_id)] = user

    def get(self, tenant_id: str, user_id: str) -> ConsoleUser | None:
        return self.users.get((tenant_id, user_id))

    def with_email(self, email: str) -> list[ConsoleUser]:
        return sorted((u for u in self.users.values() if u.email == email), key=lambda u: u.tenant_id)

    def of_tenant(self, tenant_id: str) -> list[ConsoleUser]:
        return sorted((u for u in self.users.values() if u.tenant_id == tenant_id), key=lambda u: u.email)

    def remove(self, tenant_id: str, user_id: str) -> bool:
        return self.users.pop((tenant_id, user_id), None) is not None

    def put_link(self, link: SignInLink) -> None:
        self.links[link.token_hash] = link

    def take_link(self, token_hash: str) -> SignInLink | None:
        return self.links.pop(token_hash, None)

    def count_request(self, key: str, window: str, until: datetime) -> int:
        self.counters[(key, window)] = self.counters.get((key, window), 0) + 1
        return self.counters[(key, window)]

    def open_session(self, session: Session) -> None:
        self.sessions[(session.tenant_id, session.session_id)] = session

    def is_open(self, tenant_id: str, session_id: str) -> bool:
        return (tenant_id, session_id) in self.sessions

    def close_session(self, tenant_id: str, session_id: str) -> None:
        self.sessions.pop((tenant_id, session_id), None)

    def record(self, tenant_id: str, at: datetime, actor: str, type_: str, details: dict[str, str]) -> None:
        self.changes.setdefault(tenant_id, []).append(ConsoleChange(at, actor, type_, dict(details)))

    def recent(self, tenant_id: str, limit: int) -> list[ConsoleChange]:
        return list(reversed(self.changes.get(tenant_id, [])))[:limit]

    def set_address(self, tenant_id: str, address: str | None) -> None:
        if address is None:
            self.summary_to.pop(tenant_id, None)
        else:
            self.summary_to[tenant_id] = address

    def address(self, tenant_id: str) -> str | None:
        return self.summary_to.get(tenant_id)

    def addresses(self) -> list[tuple[str, str]]:
        return sorted(self.summary_to.items())

    def claim_day(self, tenant_id: str, day: date) -> bool:
        if (tenant_id, day) in self.summary_days:
            return False
        self.summary_days.add((tenant_id, day))
        return True

    def release_day(self, tenant_id: str, day: date) -> None:
        self.summary_days.discard((tenant_id, day))


class FakeSessionKeys:
    """ports.SessionKeys: the current key first, then the previous."""

    def __init__(self, key: bytes = b"fake-console-session-key-for-tests-only") -> None:
        self.values = [key]

    def keys(self) -> list[bytes]:
        return list(self.values)

    def ensure(self) -> bool:
        return False

    def rotate(self) -> None:
        self.values = [f"rotated-{len(self.values)}".encode() * 4, self.values[0]]


if TYPE_CHECKING:  # mypy proves each fake satisfies its port
    from chalicelib.domain import ports

    _users: ports.ConsoleUsers = FakeConsole()
    _signins: ports.ConsoleSignIns = FakeConsole()
    _changes: ports.ConsoleChanges = FakeConsole()
    _summaries: ports.DailySummaries = FakeConsole()
    _keys: ports.SessionKeys = FakeSessionKeys()
