"""Links in messages: one-click unsubscribe (RFC 8058) and the short links SMS carry. Their pages speak the
debtor's language: the account's own for a good link, the browser's (Accept-Language) for a bad one."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import KindlyError, NotFound

links = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "application/json"]


def _page(kind: str, locales: list[str], status: int = 200, form_action: str | None = None) -> Response:
    html, lang = container().renderer.render_page(kind, locales, form_action)
    return Response(body=html, status_code=status, headers={
        "Content-Type": "text/html; charset=utf-8", "Content-Language": lang, "Cache-Control": "no-store"})


def _browser_languages() -> list[str]:
    from chalicelib.adapters.templates_jinja import accepted_languages

    return accepted_languages(links.current_request.headers.get("accept-language"))


@links.route("/u/{token}", methods=["GET"])
def confirm(token: str) -> Response:
    # A GET never unsubscribes: mail scanners follow links. A person confirms with one button.
    try:
        locale = container().unsubscribe.unsubscribe_locale(token)
    except KindlyError:
        return _page("invalid", _browser_languages(), status=401)
    return _page("unsubscribe", [locale, *_browser_languages()], form_action=token)  # escaped by the template


@links.route("/u/{token}", methods=["POST"], content_types=FORM)
def one_click(token: str) -> Response:
    try:
        locale = container().unsubscribe.unsubscribe(token)
    except KindlyError:
        return _page("invalid", _browser_languages(), status=401)
    return _page("unsubscribed", [locale, *_browser_languages()])


@links.route("/s/{code}", methods=["GET"])
def short_link(code: str) -> Response:
    """An SMS's short link: on to the signed self-service link it stands for."""
    app = container()
    try:
        target = app.links.expand(code, app.clock.now())
    except NotFound:
        return _page("expired", _browser_languages(), status=410)
    return Response(body="", status_code=302, headers={"Location": target, "Cache-Control": "no-store"})
