"""The console's accounts pages (/console/accounts): search, one account in plain words, and the changes an editor
makes there (a flag, a resume)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.routes.console import FORM, _kind_errors, _message, _page, _post, _query, _redirect, _signed_in

if TYPE_CHECKING:
    from chalicelib.domain.console import Session

console_accounts = Blueprint(__name__)


@console_accounts.route("/console/accounts", methods=["GET"])
@_kind_errors
@_signed_in
def accounts_page(session: Session) -> Response:
    from chalicelib.services.console_accounts import search_asked

    try:
        asked = search_asked(_query())
    except InvalidInput as exc:
        return _message(session, "That search cannot be made", exc.message, status=400,
                        link=("Back to the accounts", "console/accounts"))
    return _page(session, "accounts", "Accounts", "accounts",
                 container().console_accounts.search(session.tenant_id, asked))


@console_accounts.route("/console/accounts/{account_id}", methods=["GET"])
@_kind_errors
@_signed_in
def account_page(session: Session, account_id: str) -> Response:
    from chalicelib.domain.console import CHANGE_ACCOUNTS, may

    try:
        context = container().console_accounts.account_page(session.tenant_id, account_id)
    except (InvalidInput, NotFound):  # another tenant's account is as unknown as a missing one
        return _message(session, "No such account", "This team has no account with that id.", status=404,
                        link=("Back to the accounts", "console/accounts"))
    done = {"flag": "The flag is saved.", "resumed": "The account is resumed: reminders go on."}
    return _page(session, "account", f"Account {account_id}", "accounts",
                 {**context, "can_change": may(session.role, CHANGE_ACCOUNTS),
                  "notice": done.get(_query().get("done", ""))})


@console_accounts.route("/console/accounts/{account_id}/flags", methods=["POST"], content_types=FORM)
@_kind_errors
def set_account_flag(account_id: str) -> Response:
    def set_flag(session: Session, form: dict[str, str]) -> Response:
        from chalicelib.services.console_accounts import flag_from_form

        try:
            container().accounts.set_flag(session.tenant_id, account_id, flag_from_form(form), session.actor)
        except InvalidInput as exc:  # said with the way back to the form; nothing was written
            return _message(session, "The flag was not saved", exc.message, status=400,
                            link=("Back to the account", f"console/accounts/{account_id}"))
        # The id was checked (letters, digits and . _ : @ -): every one of them is at home in a URL path.
        return _redirect(f"console/accounts/{account_id}?done=flag")

    return _post("change_accounts", set_flag)


@console_accounts.route("/console/accounts/{account_id}/resume", methods=["POST"], content_types=FORM)
@_kind_errors
def resume_account(account_id: str) -> Response:
    def resume(session: Session, _form: dict[str, str]) -> Response:
        container().payments.resume(session.tenant_id, account_id, session.actor)
        return _redirect(f"console/accounts/{account_id}?done=resumed")

    return _post("change_accounts", resume)

