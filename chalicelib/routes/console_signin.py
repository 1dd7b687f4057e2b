"""The console's way in and out: the sign-in form and its one-time link, the session cookie, sign-out; and
/console itself, which is the overview once signed in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import InvalidInput, Throttled
from chalicelib.routes.console import (
    FORM,
    FORM_COOKIE,
    SESSION_COOKIE,
    _cookie,
    _cookies,
    _forbidden,
    _form,
    _kind_errors,
    _message,
    _page,
    _post,
    _query,
    _redirect,
    _session,
    _signin_page,
)

if TYPE_CHECKING:
    from chalicelib.domain.console import Session

console_signin = Blueprint(__name__)


@console_signin.route("/console", methods=["GET"])
@_kind_errors
def home() -> Response:
    session = _session()
    if session is None:
        return _signin_page()
    from chalicelib.services.console_overview import weeks_asked

    try:
        weeks = weeks_asked(_query().get("weeks"))
    except InvalidInput as exc:
        return _message(session, "That period is not offered", exc.message, status=400)
    app = container()
    return _page(session, "overview", "Overview", "overview",
                 {**app.console_overview.overview(session.tenant_id, weeks),
                  "held_runs": app.console_tomorrow.open_holds(session.tenant_id)})


@console_signin.route("/console", methods=["POST"], content_types=FORM)
@_kind_errors
def ask_for_link() -> Response:
    app = container()
    form = _form()
    bound_to = _cookies().get(FORM_COOKIE, "")
    if not bound_to or not app.console_signin.form_token_matches(form.get("csrf"), bound_to):
        return _forbidden(None)
    from chalicelib.services.console_signin import TooManySignIns

    try:
        app.console_signin.request_link(form.get("email", ""))
    except TooManySignIns:
        return _signin_page(throttled=True, status=429, email=form.get("email", ""))
    except Throttled:  # SES asked us to slow down: nothing was stored, the person may simply try again
        return _signin_page(error="The email could not be sent just now. Please try again in a minute.",
                            status=503, email=form.get("email", ""))
    except InvalidInput:
        return _signin_page(error="Please enter an email address, like name@example.com.", status=400,
                            email=form.get("email", ""))
    return _signin_page(sent=True)


@console_signin.route("/console/signin/{token}", methods=["GET"])
@_kind_errors
def sign_in(token: str) -> Response:
    from chalicelib.domain.console import SESSION_TTL
    from chalicelib.domain.errors import Unauthenticated

    try:
        signed_in = container().console_signin.exchange(token)
    except Unauthenticated:
        return _message(None, "This sign-in link no longer works",
                        "A sign-in link works once, for 15 minutes. Please ask for a new one.",
                        status=401, link=("Ask for a new link", "console"))
    cookie = _cookie(SESSION_COOKIE, signed_in.cookie, int(SESSION_TTL.total_seconds()))
    return _redirect("console", cookie)


@console_signin.route("/console/signout", methods=["POST"], content_types=FORM)
@_kind_errors
def sign_out() -> Response:
    def close(session: Session, _form: dict[str, str]) -> Response:
        container().console_signin.sign_out(session)
        return _redirect("console", _cookie(SESSION_COOKIE, "", 0))

    return _post("read", close)

