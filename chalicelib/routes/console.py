"""The finance console (/console): server-rendered pages for a tenant's finance team. This module is the
plumbing every console page shares (the session, the CSRF check and the role, the page, the redirect); the routes
live beside it, one job each: console_signin (sign-in, sign-out, the overview), console_accounts, console_audit,
console_settings, console_policies. Thin: each route reads the session, checks the person's role and the form's CSRF
token, calls one use case and renders a page.

Every lookup takes the tenant from the signed session, never from the URL or the form, so a session of one
tenant cannot reach another's data. A POST without a valid CSRF token, or by a role that may not do it, is a
403 before anything is written. Links and redirects are relative, so the pages work under any stage prefix."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, KindlyError, NotFound
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
       ("tomorrow", "Tomorrow's run", "console/tomorrow"),
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


def _signed_in(view: Callable[..., Response]) -> Callable[..., Response]:
    """A page for the signed-in: the view is given the session first; without one, the sign-in form answers (401)."""
    import functools

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        session = _session()
        if session is None:
            return _signin_page(status=401)
        return view(session, *args, **kwargs)

    return wrapper


# --- the plumbing every page shares ------------------------------------------------------------------------

def _post(action: str, act: Callable[[Session, dict[str, str]], Response], max_fields: int = 20,
          refused: Callable[[Session, KindlyError, int], Response] | None = None) -> Response:
    """A console form: signed in, a valid CSRF token, a role that may do `action`; then the change. A change the
    use case refuses is said on `refused`'s page (the form's own page) or on a plain message."""
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
        if refused is not None:
            return refused(session, exc, _status_of(exc))
        return _message(session, "That did not work", exc.message, status=_status_of(exc))


def _status_of(exc: KindlyError) -> int:
    from chalicelib.routes.http import STATUS

    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)



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
