"""The console's settings page (/console/settings): the tenant's reply-to and sender, webhook secrets (set, never
shown) and, for admins, the people who may sign in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import InvalidInput, KindlyError
from chalicelib.routes.console import FORM, _kind_errors, _page, _post, _query, _redirect, _signed_in

if TYPE_CHECKING:
    from chalicelib.domain.console import Session

console_settings = Blueprint(__name__)


@console_settings.route("/console/settings", methods=["GET"])
@_kind_errors
@_signed_in
def settings_page(session: Session) -> Response:
    return _settings(session)


@console_settings.route("/console/settings/webhook-secret", methods=["POST"], content_types=FORM)
@_kind_errors
def set_webhook_secret() -> Response:
    def set_secret(session: Session, form: dict[str, str]) -> Response:
        provider = form.get("provider", "")
        container().console_settings.set_webhook_secret(session.tenant_id, provider, form.get("secret", ""),
                                                        session.actor)
        return _redirect("console/settings?done=secret")

    return _post("set_webhook_secrets", set_secret, refused=_refused)


@console_settings.route("/console/settings/sending", methods=["POST"], content_types=FORM)
@_kind_errors
def set_sending() -> Response:
    def set_addresses(session: Session, form: dict[str, str]) -> Response:
        container().console_settings.set_sending(session.tenant_id, session.actor, reply_to=form.get("reply_to"),
                                                 summary_to=form.get("summary_to"))
        return _redirect("console/settings?done=sending")

    return _post("set_sending", set_addresses, refused=_refused)


@console_settings.route("/console/settings/users", methods=["POST"], content_types=FORM)
@_kind_errors
def add_user() -> Response:
    def add(session: Session, form: dict[str, str]) -> Response:
        container().console_people.add(session.tenant_id, form.get("email", ""), form.get("role", ""),
                                       session.actor)
        return _redirect("console/settings?done=user_added")

    return _post("manage_users", add, refused=_refused)


@console_settings.route("/console/settings/users/{user_id}/remove", methods=["POST"], content_types=FORM)
@_kind_errors
def remove_user(user_id: str) -> Response:
    def remove(session: Session, _form: dict[str, str]) -> Response:
        if user_id == session.user_id:
            raise InvalidInput("you cannot remove yourself; ask another admin", "user_id")
        container().console_people.remove(session.tenant_id, user_id, session.actor)
        return _redirect("console/settings?done=user_removed")

    return _post("manage_users", remove, refused=_refused)


def _refused(session: Session, exc: KindlyError, status: int) -> Response:
    return _settings(session, error=exc.message, status=status)


def _settings(session: Session, *, error: str | None = None, status: int = 200) -> Response:
    from chalicelib.domain.console import MANAGE_USERS, SET_SENDING, SET_WEBHOOK_SECRETS, may

    app = container()
    done = {"secret": "The webhook secret is set.", "user_added": "The person was added; they can sign in now.",
            "user_removed": "The person was removed.", "sending": "The addresses are saved."}.get(
        _query().get("done", ""))
    context = {**app.console_settings.view(session.tenant_id), "users": app.console_people.of_tenant(session.tenant_id),
               "can_manage_users": may(session.role, MANAGE_USERS),
               "can_set_secrets": may(session.role, SET_WEBHOOK_SECRETS),
               "can_set_sending": may(session.role, SET_SENDING), "notice": done, "error": error}
    return _page(session, "settings", "Settings", "settings", context, status=status)

