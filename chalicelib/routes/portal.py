"""The debtor's self-service page (/p/{token}) and its actions. No login and no cookies: the signed, expiring,
single-account link is the only key. Every action answers with the page again (303 to it after a change)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import Conflict, InvalidInput, KindlyError, NotFound, Unauthenticated
from chalicelib.routes.http import body_of

portal = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded", "multipart/form-data"]
NOTICES = ("pause", "dispute", "preferences")
PAGE_ERRORS = ("pause", "note", "hours_from", "language")  # fields whose refusal the page words itself
HTML = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY", "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"}


@portal.route("/p/{token}", methods=["GET"])
def page(token: str) -> Response:
    notice = portal.current_request.query_params.get("done") if portal.current_request.query_params else None
    return _render(token, notice=notice if notice in NOTICES else None)


@portal.route("/p/{token}/pause", methods=["POST"], content_types=FORM)
def pause(token: str) -> Response:
    return _act(token, "pause", lambda app, _form: app.portal.pause(token))


@portal.route("/p/{token}/dispute", methods=["POST"], content_types=FORM)
def dispute(token: str) -> Response:
    return _act(token, "dispute", lambda app, form: app.portal.dispute(token, form.get("note", "")))


@portal.route("/p/{token}/preferences", methods=["POST"], content_types=FORM)
def preferences(token: str) -> Response:
    return _act(token, "preferences", lambda app, form: app.portal.preferences(token, form))


def _act(token: str, done: str, action: Any) -> Response:
    app = container()
    try:
        action(app, _form())
    except (Unauthenticated, NotFound):
        return _invalid()
    except (InvalidInput, Conflict) as exc:
        # The page says it in the debtor's language; the field names which sentence.
        error = exc.field if exc.field in PAGE_ERRORS else "other"
        return _render(token, error=error, status=409 if isinstance(exc, Conflict) else 400)
    except KindlyError:  # an oversized form, a busy table: the page, with a kind word, not a stack trace
        return _render(token, error="other", status=400)
    return Response(body="", status_code=303, headers={"Location": f"../{token}?done={done}",
                                                        "Cache-Control": "no-store"})


def _form() -> dict[str, str]:
    raw = body_of(portal.current_request) if portal.current_request.raw_body else b""
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("the form could not be read") from exc
    return {name: values[-1] for name, values in fields.items()}


def _render(token: str, *, notice: str | None = None, error: str | None = None, status: int = 200) -> Response:
    app = container()
    try:
        view = app.portal.view(token)
    except KindlyError:
        return _invalid()
    unsubscribe_url = app.links.unsubscribe_url(view.account.tenant_id, view.account.account_id, view.now)
    context = {**view.page(), "token": token, "unsubscribe_url": unsubscribe_url, "notice": notice, "error": error}
    html, lang = app.renderer.render_portal(context, view.account.message_locale)
    return Response(body=html, status_code=status, headers={**HTML, "Content-Language": lang})


def _invalid() -> Response:
    from chalicelib.adapters.templates_jinja import accepted_languages

    languages = accepted_languages(portal.current_request.headers.get("accept-language"))
    html, lang = container().renderer.render_page("invalid", languages)
    return Response(body=html, status_code=401, headers={**HTML, "Content-Language": lang})
