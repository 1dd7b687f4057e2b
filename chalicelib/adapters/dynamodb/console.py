"""The finance console's table (models.ConsoleItemModel): people, one-time sign-in links, sign-in counters and
sessions. Every key of a person or a session starts with its tenant, so no read of one tenant's items can
return another's; an address is made unique per tenant by an `email#` item written in the same transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.dynamodb.models import Models
from chalicelib.domain.console import ConsoleChange, ConsoleUser, Session, SignInLink
from chalicelib.domain.errors import Conflict
from chalicelib.domain.times import iso

NO_SORT = "-"
SUMMARIES = "daily-summary"  # one partition: which tenants asked for the daily summary (`tenant#T`, email = where)
SUMMARY_MARK_DAYS = 3  # a day's "sent" mark outlives the day it guards


def _tenant(tenant_id: str) -> str:
    return f"tenant#{tenant_id}"


def _user(user_id: str) -> str:
    return f"user#{user_id}"


def _email(email: str) -> str:
    return f"email#{email}"


def _session(session_id: str) -> str:
    return f"session#{session_id}"


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class DynamoConsole:
    """ports.ConsoleUsers, ports.ConsoleSignIns, ports.ConsoleChanges and ports.DailySummaries over one table."""

    def __init__(self, models: Models) -> None:
        self._model = models.console
        self._connection = models.connection

    # --- people -------------------------------------------------------------------------------------------
    def add(self, user: ConsoleUser) -> None:
        model = self._model
        person = model(_tenant(user.tenant_id), _user(user.user_id), tenant_id=user.tenant_id, user_id=user.user_id,
                       email=user.email, role=user.role, created_at=iso(user.created_at))
        address = model(_email(user.email), _tenant(user.tenant_id), tenant_id=user.tenant_id, user_id=user.user_id)
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.save(address, condition=model.pk.does_not_exist())
                tx.save(person, condition=model.pk.does_not_exist())
        except TransactWriteError as exc:
            raise Conflict("this tenant already has a person with that email address", "email") from exc

    def get(self, tenant_id: str, user_id: str) -> ConsoleUser | None:
        try:
            item = self._model.get(_tenant(tenant_id), _user(user_id), consistent_read=True)
        except DoesNotExist:
            return None
        return _to_user(item)

    def with_email(self, email: str) -> list[ConsoleUser]:
        found = []
        for entry in self._model.query(_email(email), consistent_read=True):
            user = self.get(entry.tenant_id, entry.user_id)
            if user is not None:
                found.append(user)
        return found

    def of_tenant(self, tenant_id: str) -> list[ConsoleUser]:
        items = self._model.query(_tenant(tenant_id), self._model.sk.startswith("user#"), consistent_read=True)
        return sorted((_to_user(item) for item in items), key=lambda user: user.email)

    def remove(self, tenant_id: str, user_id: str) -> bool:
        user = self.get(tenant_id, user_id)
        if user is None:
            return False
        model = self._model
        with TransactWrite(connection=self._connection) as tx:
            tx.delete(model(_tenant(tenant_id), _user(user_id)))
            tx.delete(model(_email(user.email), _tenant(tenant_id)))
        return True

    # --- sign-in links, counters, sessions ----------------------------------------------------------------
    def put_link(self, link: SignInLink) -> None:
        self._model(f"signin#{link.token_hash}", NO_SORT, tenant_id=link.tenant_id, user_id=link.user_id,
                    valid_until=iso(link.valid_until), expires_at=link.valid_until).save()

    def take_link(self, token_hash: str) -> SignInLink | None:
        model = self._model
        try:
            item = model.get(f"signin#{token_hash}", NO_SORT, consistent_read=True)
        except DoesNotExist:
            return None
        try:  # only the take whose delete finds the item gets the link: a link works once
            item.delete(condition=model.pk.exists())
        except DeleteError:
            return None
        return SignInLink(token_hash, item.tenant_id, item.user_id, _instant(item.valid_until))

    def count_request(self, key: str, window: str, until: datetime) -> int:
        model = self._model
        item = model(f"rate#{key}", window)
        item.update(actions=[model.attempts.add(1), model.expires_at.set(until)])
        return int(item.attempts or 0)

    def open_session(self, session: Session) -> None:
        self._model(_tenant(session.tenant_id), _session(session.session_id), tenant_id=session.tenant_id,
                    user_id=session.user_id, valid_until=iso(session.expires_at),
                    expires_at=session.expires_at).save()

    def is_open(self, tenant_id: str, session_id: str) -> bool:
        try:
            self._model.get(_tenant(tenant_id), _session(session_id), consistent_read=True)
        except DoesNotExist:
            return False
        return True

    def close_session(self, tenant_id: str, session_id: str) -> None:
        self._model(_tenant(tenant_id), _session(session_id)).delete()

    # --- changes to the tenant ----------------------------------------------------------------------------
    def record(self, tenant_id: str, at: datetime, actor: str, type_: str, details: dict[str, str]) -> None:
        import secrets
        import time

        # The sort key orders by time (fixed width); Kindly's clock counts whole seconds, so the moment of writing
        # (nanoseconds) orders two changes of the same second, and a random tail keeps them apart.
        when = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        key = f"change#{when}#{time.time_ns():020d}{secrets.token_hex(2)}"
        change = self._model(_tenant(tenant_id), key, tenant_id=tenant_id, actor=actor, change=type_,
                             details=details, created_at=iso(at))
        change.save(condition=self._model.pk.does_not_exist())

    def recent(self, tenant_id: str, limit: int) -> list[ConsoleChange]:
        items = self._model.query(_tenant(tenant_id), self._model.sk.startswith("change#"), scan_index_forward=False,
                                  limit=limit, consistent_read=True)
        return [ConsoleChange(_instant(item.created_at), item.actor, item.change, dict(item.details or {}))
                for item in items]

    # --- the daily summary email ----------------------------------------------------------------------------
    def set_address(self, tenant_id: str, address: str | None) -> None:
        item = self._model(SUMMARIES, _tenant(tenant_id), tenant_id=tenant_id, email=address)
        if address is None:
            item.delete()
        else:
            item.save()

    def address(self, tenant_id: str) -> str | None:
        try:
            return str(self._model.get(SUMMARIES, _tenant(tenant_id), consistent_read=True).email)
        except DoesNotExist:
            return None

    def addresses(self) -> list[tuple[str, str]]:
        return [(str(item.tenant_id), str(item.email)) for item in self._model.query(SUMMARIES, consistent_read=True)]

    def claim_day(self, tenant_id: str, day: date) -> bool:
        expires = datetime.combine(day + timedelta(days=SUMMARY_MARK_DAYS), time(0), UTC)
        mark = self._model(_tenant(tenant_id), f"summary#{day.isoformat()}", tenant_id=tenant_id, expires_at=expires)
        try:
            mark.save(condition=self._model.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release_day(self, tenant_id: str, day: date) -> None:
        self._model(_tenant(tenant_id), f"summary#{day.isoformat()}").delete()


def _to_user(item: Any) -> ConsoleUser:
    return ConsoleUser(item.tenant_id, item.user_id, item.email, item.role, _instant(item.created_at))
