"""The console's accounts pages: searching a tenant's accounts, and everything one account's page shows.

Search reads every account of the tenant through the repository (`all_of`) and filters in memory: fine at
today's sizes (a tenant's few thousand accounts); a tenant with far more would want an index to search."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from chalicelib.domain import accounts as acc
from chalicelib.domain.accounts import DISPUTE, FLAGS, Account, found_account
from chalicelib.domain.audit import verify_chain
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.plain_words import in_plain_words
from chalicelib.domain.ports import AccountRepository, Clock, PolicyBook
from chalicelib.domain.schedule import local_day, recipient_zones
from chalicelib.inputs.ids import check_account_id

if TYPE_CHECKING:
    from chalicelib.inputs.flags import FlagIn

OVERDUE = "overdue"
DISPUTED = "disputed"
# The states a search filters on: API.md's console; `overdue` and `disputed` are read from the account.
FILTERS = (OVERDUE, acc.PAUSED, DISPUTED, acc.HELD, acc.SETTLED, acc.ESCALATED)
PAGE_SIZE = 25
MAX_QUERY = 200
PREVIEW_DAYS = 60


class SearchAsked(Struct, frozen=True):
    text: str
    state: str | None
    page: int


def search_asked(query: dict[str, str]) -> SearchAsked:
    """The search form's fields, or InvalidInput naming the one that is wrong."""
    text = (query.get("q") or "").strip()
    if len(text) > MAX_QUERY:
        raise InvalidInput(f"the search is at most {MAX_QUERY} characters", "q")
    state = query.get("state") or None
    if state is not None and state not in FILTERS:
        raise InvalidInput(f"state must be one of {', '.join(FILTERS)}", "state")
    page_text = query.get("page") or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= 100_000:
        raise InvalidInput("page must be a whole number from 1", "page")
    return SearchAsked(text, state, int(page_text))


def matches(account: Account, text: str) -> bool:
    """A case-insensitive substring of the account's id, name or email."""
    needle = text.casefold()
    return not needle or any(needle in (value or "").casefold()
                             for value in (account.account_id, account.name, account.email))


def is_disputed(account: Account) -> bool:
    flag = account.flags.get(DISPUTE)
    return bool(flag and flag.active) or bool(account.disputed_invoice_ids())


def is_overdue(account: Account, today: date) -> bool:
    """Reminders would run (active or every step done) and some open invoice is past its due date."""
    return account.state in (acc.ACTIVE, acc.COMPLETED) and any(
        inv.due_on < today for inv in account.open_invoices())


def in_state(account: Account, state: str | None, today: date) -> bool:
    if state is None:
        return True
    if state == OVERDUE:
        return is_overdue(account, today)
    if state == DISPUTED:
        return is_disputed(account)
    return account.state == state


class ConsoleAccounts:
    def __init__(self, accounts: AccountRepository, policies: PolicyBook,
                 preview: Callable[[str, str, dict[str, Any]], dict[str, Any]], clock: Clock) -> None:
        self._accounts = accounts
        self._policies = policies
        self._preview = preview  # PreviewService.preview: what the policy in force would do
        self._clock = clock

    def search(self, tenant_id: str, asked: SearchAsked) -> dict[str, Any]:
        now = self._clock.now()
        found = [account for account in self._accounts.all_of(tenant_id) if matches(account, asked.text)
                 and in_state(account, asked.state, local_day(now, recipient_zones(account)))]
        found.sort(key=lambda account: account.account_id)
        pages = max(1, -(-len(found) // PAGE_SIZE))
        page = min(asked.page, pages)
        shown = found[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        return {"rows": [_row(account) for account in shown], "total": len(found), "page": page, "pages": pages,
                "q": asked.text, "state": asked.state or "", "filters": FILTERS}

    def account_page(self, tenant_id: str, account_id: str) -> dict[str, Any]:
        """Everything one account's page shows; NotFound for an id the tenant has no account under."""
        check_account_id(account_id)
        account = found_account(self._accounts.get(tenant_id, account_id), account_id)
        view = {**account.to_dict(), "policy_applied": self._policies.applied(account).to_dict()}  # as the API shows it
        where = recipient_zones(account)[0]
        events = sorted(self._accounts.events(tenant_id, account_id), key=lambda event: event.seq)
        timeline = [{"seq": event.seq, "at": getattr(event, "at", None), "type": getattr(event, "type", "unreadable"),
                     "actor": getattr(event, "actor", ""), "words": in_plain_words(event, where)}
                    for event in reversed(events)]
        preview = self._preview(tenant_id, view["policy_applied"]["name"],
                                {"account_id": account_id, "days": PREVIEW_DAYS})
        today = local_day(self._clock.now(), recipient_zones(account))
        return {"account": view, "zone": where, "timeline": timeline,
                "verification": verify_chain(tenant_id, account_id, events, account.audit_head),
                "preview": preview, "flags": _flags(account), "flag_names": FLAGS,
                "disputed_invoices": sorted(account.disputed_invoice_ids()),
                "can_resume": account.state in (acc.HELD, acc.ESCALATED),
                "until_min": (today + timedelta(days=1)).isoformat(),  # a flag holds until that day begins
                "overdue": is_overdue(account, today), "disputed": is_disputed(account)}


def _row(account: Account) -> dict[str, Any]:
    return {"account_id": account.account_id, "name": account.name, "email": account.email,
            "balance": account.balance(), "state": account.state, "disputed": is_disputed(account),
            "next_action_at": account.next_action_at}


def _flags(account: Account) -> list[dict[str, Any]]:
    return [{"name": flag.name, "active": flag.active, "since": flag.since, "until": flag.until,
             "note": flag.note, "set_by": flag.set_by} for flag in _sorted(account.flags.values())]


def _sorted(flags: Iterable[acc.Flag]) -> list[acc.Flag]:
    return sorted(flags, key=lambda flag: (not flag.active, flag.name))


def flag_from_form(form: dict[str, str]) -> FlagIn:
    """The flag form (flag, action set|clear, until, note, invoice_id) as the API's FlagIn; InvalidInput otherwise."""
    from chalicelib.inputs.flags import FlagIn
    from chalicelib.inputs.parsing import parse

    action = form.get("action", "")
    if action not in ("set", "clear"):
        raise InvalidInput("action must be set or clear", "action")
    body: dict[str, Any] = {"flag": form.get("flag", ""), "active": action == "set"}
    for name in ("until", "note", "invoice_id"):
        value = (form.get(name) or "").strip()
        if value:
            body[name] = value
    return parse(FlagIn, body)
