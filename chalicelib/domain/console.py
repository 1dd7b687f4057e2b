"""The finance console's people and what each may do, its one-time sign-in links and its signed session cookie.

Pure rules: the adapters store users, links and sessions (domain/ports/console.py); the services decide with these."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta

from msgspec import Struct

VIEWER = "viewer"
EDITOR = "editor"
ADMIN = "admin"
ROLES = (VIEWER, EDITOR, ADMIN)  # each may do what the ones before it may

# What a person does in the console, and the least role that may do it (enforced on the server, every request).
READ = "read"  # every page, the audit export
CHANGE_ACCOUNTS = "change_accounts"  # flags, plans, resume
CHANGE_POLICIES = "change_policies"
MANAGE_USERS = "manage_users"
SET_WEBHOOK_SECRETS = "set_webhook_secrets"
DECIDE_HELD_SWEEPS = "decide_held_sweeps"  # approve or discard a run the breaker holds: like changing a policy
SET_SENDING = "set_sending"  # the reply-to debtors' emails carry, where the daily summary goes
LEAST_ROLE = {READ: VIEWER, CHANGE_ACCOUNTS: EDITOR, CHANGE_POLICIES: EDITOR, MANAGE_USERS: ADMIN,
              SET_WEBHOOK_SECRETS: ADMIN, DECIDE_HELD_SWEEPS: EDITOR, SET_SENDING: ADMIN}

SIGNIN_LINK_TTL = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=8)
SIGNIN_LIMIT = 5  # sign-in links asked for one address in one window
SIGNIN_WINDOW = timedelta(minutes=15)


def may(role: str, action: str) -> bool:
    """Whether a person of this role may do this; an unknown role or action may do nothing."""
    if role not in ROLES or action not in LEAST_ROLE:
        return False
    return ROLES.index(role) >= ROLES.index(LEAST_ROLE[action])


def actor_of(user_id: str) -> str:
    """Who the audit trail says made a change in the console."""
    return f"user:{user_id}"


class ConsoleUser(Struct, frozen=True):
    tenant_id: str
    user_id: str
    email: str  # lower-cased: the same person whatever case they type
    role: str
    created_at: datetime

    def to_dict(self) -> dict[str, str]:
        return {"tenant_id": self.tenant_id, "user_id": self.user_id, "email": self.email, "role": self.role,
                "created_at": self.created_at.isoformat()}


class ConsoleChange(Struct, frozen=True):
    """A change to the tenant itself made in the console (people, webhook secrets): accounts keep their own
    audit trail; these have no account to belong to. No secret and no address in `details`."""

    at: datetime
    actor: str
    type: str
    details: dict[str, str]


def new_user_id() -> str:
    return f"usr_{secrets.token_hex(8)}"


def normal_email(address: str) -> str:
    return address.strip().lower()


# --- one-time sign-in links ---------------------------------------------------------------------------------

class SignInLink(Struct, frozen=True):
    """What is stored for a link sent by email: the hash of its token, never the token itself."""

    token_hash: str
    tenant_id: str
    user_id: str
    valid_until: datetime


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def address_key(email: str) -> str:
    """The sign-in counter's key: no address in the table's keys (and so in no log of them)."""
    return hashlib.sha256(normal_email(email).encode()).hexdigest()


def window_of(now: datetime) -> tuple[str, datetime]:
    """The fixed rate-limit window `now` falls in: its name and when it ends."""
    seconds = int(SIGNIN_WINDOW.total_seconds())
    start = int(now.timestamp()) // seconds * seconds
    return str(start), datetime.fromtimestamp(start + seconds, tz=now.tzinfo)


# --- the session cookie -------------------------------------------------------------------------------------

class Session(Struct, frozen=True):
    user_id: str
    tenant_id: str
    role: str
    session_id: str
    expires_at: datetime

    @property
    def actor(self) -> str:
        return actor_of(self.user_id)


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, payload: str) -> str:
    return _b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())


def seal(session: Session, key: bytes) -> str:
    """The cookie's value: the session as base64 JSON and its HMAC-SHA256 under the current key."""
    body = {"u": session.user_id, "t": session.tenant_id, "r": session.role, "s": session.session_id,
            "e": int(session.expires_at.timestamp())}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_mac(key, payload)}"


def unseal(value: str, keys: list[bytes], now: datetime) -> Session | None:
    """The session in a cookie signed by any of `keys` (the current one, then the previous: a rotation logs
    nobody out), unless it is forged, malformed or expired."""
    payload, _, mac = (value or "").strip().partition(".")
    if not payload or not mac or len(value) > 1024:
        return None
    if not any(hmac.compare_digest(mac, _mac(key, payload)) for key in keys):
        return None
    try:
        body = json.loads(_unb64(payload))
        session = Session(str(body["u"]), str(body["t"]), str(body["r"]), str(body["s"]),
                          datetime.fromtimestamp(int(body["e"]), tz=now.tzinfo))
    except (ValueError, KeyError, TypeError):
        return None
    return session if session.expires_at > now else None


def csrf_token(session_id: str, key: bytes) -> str:
    """The form token of a session: tied to it, so a page of another session (or none) cannot post."""
    return _mac(key, f"csrf:{session_id}")


def csrf_matches(given: str | None, session_id: str, keys: list[bytes]) -> bool:
    return bool(given) and any(hmac.compare_digest(str(given), csrf_token(session_id, key)) for key in keys)
