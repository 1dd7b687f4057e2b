"""The finance console (/console): server-rendered pages for a tenant's finance team. Thin: each route reads
the session, checks the person's role and the form's CSRF token, calls one use case and renders a page.

Every lookup takes the tenant from the signed session, never from the URL or the form, so a session of one
tenant cannot reach another's data. A POST without a valid CSRF token, or by a role that may not do it, is a
403 before anything is written. Links and redirects are relative, so the pages work under any stage prefix."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, KindlyError, NotFound, Throttled
from chalicelib.routes.portal import BASE_HEADERS, portal_csp

if TYPE_CHECKING:
    from chalicelib.domain.console import Session

console = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded", "multipart/form-data"]
SESSION_COOKIE = "kindly_console"
FORM_COOKIE = "kindly_console_form"  # before signing in, the sign-in form's CSRF token is tied to this
# The navigation, in order: (key, label, path below the folder holding /console). Pages added later add a row.
NAV = [("overview", "Overview", "console"),
       ("accounts", "Accounts", "console/accounts"),
       ("policies", "Policies", "console/policies"),
       ("audit", "Audit export", "console/audit"),
       ("settings", "Settings", "console/settings")]


def _kind_errors(view: Callable[..., Response]) -> Callable[..., Response]:
    """An unexpected error is logged (its type and line, no personal data) and answered with a plain page."""
    import functools

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the person gets a page, the log gets the details
            from chalicelib.observability import error_fields, logger

            logger().error("unhandled error in the console", extra=error_fields(exc))
            return Response(body="<!doctype html><title>Something went wrong</title><h1>Something went wrong on "
                            "our side</h1><p>Nothing was changed. Please try again.</p>", status_code=500,
                            headers={**BASE_HEADERS, "Content-Security-Policy": portal_csp("-", None)})

    return wrapper


# --- signed out: the sign-in form, the link ----------------------------------------------------------------

@console.route("/console", methods=["GET"])
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
    return _page(session, "overview", "Overview", "overview",
                 container().console_overview.overview(session.tenant_id, weeks))


@console.route("/console", methods=["POST"], content_types=FORM)
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


@console.route("/console/signin/{token}", methods=["GET"])
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


@console.route("/console/signout", methods=["POST"], content_types=FORM)
@_kind_errors
def sign_out() -> Response:
    def close(session: Session, _form: dict[str, str]) -> Response:
        container().console_signin.sign_out(session)
        return _redirect("console", _cookie(SESSION_COOKIE, "", 0))

    return _post("read", close)


# --- signed in -----------------------------------------------------------------------------------------------

@console.route("/console/settings", methods=["GET"])
@_kind_errors
def settings_page() -> Response:
    session = _session()
    if session is None:
        return _signin_page(status=401)
    return _settings(session)


@console.route("/console/settings/webhook-secret", methods=["POST"], content_types=FORM)
@_kind_errors
def set_webhook_secret() -> Response:
    def set_secret(session: Session, form: dict[str, str]) -> Response:
        provider = form.get("provider", "")
        container().console_settings.set_webhook_secret(session.tenant_id, provider, form.get("secret", ""),
                                                        session.actor)
        return _redirect("console/settings?done=secret")

    return _post("set_webhook_secrets", set_secret)


@console.route("/console/settings/users", methods=["POST"], content_types=FORM)
@_kind_errors
def add_user() -> Response:
    def add(session: Session, form: dict[str, str]) -> Response:
        container().console_people.add(session.tenant_id, form.get("email", ""), form.get("role", ""),
                                       session.actor)
        return _redirect("console/settings?done=user_added")

    return _post("manage_users", add)


@console.route("/console/settings/users/{user_id}/remove", methods=["POST"], content_types=FORM)
@_kind_errors
def remove_user(user_id: str) -> Response:
    def remove(session: Session, _form: dict[str, str]) -> Response:
        if user_id == session.user_id:
            raise InvalidInput("you cannot remove yourself; ask another admin", "user_id")
        container().console_people.remove(session.tenant_id, user_id, session.actor)
        return _redirect("console/settings?done=user_removed")

    return _post("manage_users", remove)


@console.route("/console/accounts", methods=["GET"])
@_kind_errors
def accounts_page() -> Response:
    from chalicelib.services.console_accounts import search_asked

    session = _session()
    if session is None:
        return _signin_page(status=401)
    try:
        asked = search_asked(_query())
    except InvalidInput as exc:
        return _message(session, "That search cannot be made", exc.message, status=400,
                        link=("Back to the accounts", "console/accounts"))
    return _page(session, "accounts", "Accounts", "accounts",
                 container().console_accounts.search(session.tenant_id, asked))


@console.route("/console/accounts/{account_id}", methods=["GET"])
@_kind_errors
def account_page(account_id: str) -> Response:
    from chalicelib.domain.console import CHANGE_ACCOUNTS, may

    session = _session()
    if session is None:
        return _signin_page(status=401)
    try:
        context = container().console_accounts.account_page(session.tenant_id, account_id)
    except (InvalidInput, NotFound):  # another tenant's account is as unknown as a missing one
        return _message(session, "No such account", "This team has no account with that id.", status=404,
                        link=("Back to the accounts", "console/accounts"))
    done = {"flag": "The flag is saved.", "resumed": "The account is resumed: reminders go on."}
    return _page(session, "account", f"Account {account_id}", "accounts",
                 {**context, "can_change": may(session.role, CHANGE_ACCOUNTS),
                  "notice": done.get(_query().get("done", ""))})


@console.route("/console/accounts/{account_id}/flags", methods=["POST"], content_types=FORM)
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


@console.route("/console/accounts/{account_id}/resume", methods=["POST"], content_types=FORM)
@_kind_errors
def resume_account(account_id: str) -> Response:
    def resume(session: Session, _form: dict[str, str]) -> Response:
        container().payments.resume(session.tenant_id, account_id, session.actor)
        return _redirect(f"console/accounts/{account_id}?done=resumed")

    return _post("change_accounts", resume)


@console.route("/console/audit", methods=["GET"])
@_kind_errors
def audit_page() -> Response:
    from datetime import UTC, timedelta

    session = _session()
    if session is None:
        return _signin_page(status=401)
    today = container().clock.now().astimezone(UTC).date()
    return _page(session, "audit", "Audit export", "audit",
                 {"since": (today - timedelta(days=30)).isoformat(), "until": today.isoformat()})


@console.route("/console/audit.csv", methods=["GET"])
@_kind_errors
def audit_csv() -> Response:
    return _export("csv", "text/csv; charset=utf-8")


@console.route("/console/audit.jsonl", methods=["GET"])
@_kind_errors
def audit_jsonl() -> Response:
    return _export("jsonl", "application/jsonl; charset=utf-8")


def _export(kind: str, content_type: str) -> Response:
    session = _session()
    if session is None:
        return _signin_page(status=401)
    export = container().console_export
    try:
        asked = export.request(session.tenant_id, _query())
    except (InvalidInput, NotFound) as exc:
        return _message(session, "That export cannot be made", exc.message, status=_status_of(exc),
                        link=("Back to the export", "console/audit"))
    chunks = export.csv_chunks(asked) if kind == "csv" else export.jsonl_chunks(asked)
    headers = {"Content-Type": content_type, "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
               "Content-Disposition": f'attachment; filename="{asked.file_stem}.{kind}"'}
    return Response(body="".join(chunks), status_code=200, headers=headers)


# --- the plumbing every page shares ------------------------------------------------------------------------

def _post(action: str, act: Callable[[Session, dict[str, str]], Response], max_fields: int = 20) -> Response:
    """A console form: signed in, a valid CSRF token, a role that may do `action`; then the change."""
    from chalicelib.domain.console import may

    session = _session()
    if session is None:
        return _signin_page(status=401)
    try:
        form = _form(max_fields)
    except KindlyError:
        return _forbidden(session)
    if not container().console_signin.form_token_matches(form.get("csrf"), session.session_id):
        return _forbidden(session)
    if not may(session.role, action):
        return _forbidden(session, "Your role does not allow this; ask an admin of your team.")
    try:
        return act(session, form)
    except (InvalidInput, Conflict, NotFound, Forbidden) as exc:
        if action in ("manage_users", "set_webhook_secrets"):
            return _settings(session, error=exc.message, status=_status_of(exc))
        return _message(session, "That did not work", exc.message, status=_status_of(exc))


def _status_of(exc: KindlyError) -> int:
    from chalicelib.routes.http import STATUS

    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)


def _settings(session: Session, *, error: str | None = None, status: int = 200) -> Response:
    from chalicelib.domain.console import MANAGE_USERS, SET_WEBHOOK_SECRETS, may

    app = container()
    done = {"secret": "The webhook secret is set.", "user_added": "The person was added; they can sign in now.",
            "user_removed": "The person was removed."}.get(_query().get("done", ""))
    context = {**app.console_settings.view(session.tenant_id), "users": app.console_people.of_tenant(session.tenant_id),
               "can_manage_users": may(session.role, MANAGE_USERS),
               "can_set_secrets": may(session.role, SET_WEBHOOK_SECRETS), "notice": done, "error": error}
    return _page(session, "settings", "Settings", "settings", context, status=status)


def _page(session: Session | None, template: str, title: str, current: str, context: dict[str, Any],
          status: int = 200, extra_headers: dict[str, str] | None = None) -> Response:
    import secrets

    app = container()
    nonce = secrets.token_urlsafe(16)
    common: dict[str, Any] = {"nonce": nonce, "root": _root(), "title": title, "current": current}
    if session is not None:
        tenant = app.tenants.get(session.tenant_id)
        user = app.console_users.get(session.tenant_id, session.user_id)
        common |= {"session": session, "nav": NAV, "csrf": app.console_signin.form_token(session.session_id),
                   "tenant_name": tenant.brand if tenant else session.tenant_id,
                   "user_email": user.email if user else ""}
    html = app.console_pages.render_console(template, {**context, **common})
    headers = {**BASE_HEADERS, "Content-Security-Policy": portal_csp(nonce, None), **(extra_headers or {})}
    return Response(body=html, status_code=status, headers=headers)


def _signin_page(*, sent: bool = False, throttled: bool = False, error: str | None = None, email: str = "",
                 status: int = 200) -> Response:
    """The sign-in form, its CSRF token tied to a random value in a cookie (kept if the browser has one)."""
    import secrets

    bound_to = _cookies().get(FORM_COOKIE) or secrets.token_urlsafe(16)
    csrf = container().console_signin.form_token(bound_to)
    context = {"sent": sent, "throttled": throttled, "error": error, "email": email, "csrf": csrf}
    return _page(None, "signin", "Sign in", "signin", context, status=status,
                 extra_headers={"Set-Cookie": _cookie(FORM_COOKIE, bound_to, 3600)})


def _message(session: Session | None, title: str, text: str, *, status: int,
             link: tuple[str, str] | None = None) -> Response:
    context = {"text": text, "link_label": link[0] if link else None, "link_href": link[1] if link else None}
    return _page(session, "message", title, "", context, status=status)


def _forbidden(session: Session | None, text: str | None = None) -> Response:
    return _message(session, "Not allowed", text or "This form has expired or did not come from this console. "
                    "Please go back, reload the page and try again.", status=403,
                    link=("Back to the console", "console"))


def _session() -> Session | None:
    return container().console_signin.session_of(_cookies().get(SESSION_COOKIE))


def _cookies() -> dict[str, str]:
    from http.cookies import CookieError, SimpleCookie

    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(console.current_request.headers.get("cookie") or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def _cookie(name: str, value: str, max_age: int) -> str:
    """HttpOnly, SameSite=Strict, Secure whenever the console is served over HTTPS, and only for /console."""
    base = container().settings.public_base_url
    parts = urlsplit(base)
    secure = "; Secure" if parts.scheme == "https" else ""
    return (f"{name}={value}; Path={parts.path.rstrip('/')}/console; Max-Age={max_age}; HttpOnly; "
            f"SameSite=Strict{secure}")


def _root() -> str:
    """The relative way back to the folder holding /console from the route answering (/console/settings is one
    level below it), so links and redirects work under any stage prefix."""
    route = (console.current_request.context or {}).get("resourcePath", "/console")
    return "../" * max(route.rstrip("/").count("/") - 1, 0)


def _redirect(path: str, cookie: str | None = None) -> Response:
    headers = {"Location": f"{_root()}{path}" if _root() else f"./{path}", "Cache-Control": "no-store"}
    if cookie:
        headers["Set-Cookie"] = cookie
    return Response(body="", status_code=303, headers=headers)


def _query() -> dict[str, str]:
    return dict(console.current_request.query_params or {})


def _form(max_fields: int = 20) -> dict[str, str]:
    from chalicelib.routes.http import MAX_BODY_BYTES

    raw = console.current_request.raw_body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidInput("the form is too large")
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("the form could not be read") from exc
    return {name: values[-1] for name, values in fields.items()}
