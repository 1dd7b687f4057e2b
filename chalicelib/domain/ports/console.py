"""The finance console: its people, their sign-in links and sessions, the keys that sign the sessions, and what
was changed on a tenant there."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: a use case loads the domain modules it works with, not every port's
    from ..console import ConsoleChange, ConsoleUser, Session, SignInLink


class ConsoleUsers(Protocol):
    """The people of each tenant's finance team; an address is unique per tenant."""

    def add(self, user: ConsoleUser) -> None:
        """Store a new person; Conflict naming `email` if the tenant already has one with that address."""

    def get(self, tenant_id: str, user_id: str) -> ConsoleUser | None: ...

    def with_email(self, email: str) -> list[ConsoleUser]:
        """The person this address is in each tenant that has it (usually one)."""

    def of_tenant(self, tenant_id: str) -> list[ConsoleUser]: ...

    def remove(self, tenant_id: str, user_id: str) -> bool:
        """Forget the person (and their address in that tenant); False if there was none."""


class ConsoleSignIns(Protocol):
    """One-time sign-in links, sign-in counters and open sessions; all expire by themselves."""

    def put_link(self, link: SignInLink) -> None: ...

    def take_link(self, token_hash: str) -> SignInLink | None:
        """The link, consumed: of two racing takes, one gets it; None if unknown or already taken."""

    def count_request(self, key: str, window: str, until: datetime) -> int:
        """Add one to the counter of `key` in `window` (forgotten after `until`); the count after it."""

    def open_session(self, session: Session) -> None: ...

    def is_open(self, tenant_id: str, session_id: str) -> bool: ...

    def close_session(self, tenant_id: str, session_id: str) -> None: ...


class ConsoleChanges(Protocol):
    """What was changed on a tenant (not on an account) in the console, and by whom."""

    def record(self, tenant_id: str, at: datetime, actor: str, type_: str, details: dict[str, str]) -> None: ...

    def recent(self, tenant_id: str, limit: int) -> list[ConsoleChange]:
        """The latest changes first."""


class SessionKeys(Protocol):
    def keys(self) -> list[bytes]:
        """The keys that sign console sessions: the current one first, then the previous (rotation)."""

    def ensure(self) -> bool:
        """Create the keys if they are missing (`kindly init`); True if created."""

    def rotate(self) -> None:
        """A new current key; the current one stays accepted as the previous until the next rotation."""
