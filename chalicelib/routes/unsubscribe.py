"""Links in messages: one-click unsubscribe (RFC 8058) and the short links SMS carry."""

from __future__ import annotations

from html import escape

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.errors import KindlyError
from chalicelib.domain.links import UNSUBSCRIBE

unsubscribe = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "application/json"]

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5">
<h1 style="font-size:1.4rem">{title}</h1><p>{text}</p>{form}</body></html>"""


def _page(title: str, text: str, form: str = "", status: int = 200) -> Response:
    body = PAGE.format(title=escape(title), text=escape(text), form=form)
    return Response(body=body, status_code=status, headers={"Content-Type": "text/html; charset=utf-8",
                                                             "Cache-Control": "no-store"})


@unsubscribe.route("/u/{token}", methods=["GET"])
def confirm(token: str) -> Response:
    # A GET never unsubscribes: mail scanners follow links. A person confirms with one button.
    app = container()
    try:
        app.links.read(token, UNSUBSCRIBE, app.clock.now())
    except KindlyError:
        return _invalid_link()
    form = (f'<form method="post" action="{escape(token)}"><button type="submit" '
            'style="font-size:1.1rem;padding:.8rem 1.4rem">Stop reminder emails</button></form>')
    return _page("Stop reminder emails?", "You can still see and settle your balance from any reminder link.", form)


@unsubscribe.route("/u/{token}", methods=["POST"], content_types=FORM)
def one_click(token: str) -> Response:
    try:
        container().contact.unsubscribe(token)
    except KindlyError:
        return _invalid_link()
    return _page("You will get no more reminder emails", "Thank you for letting us know.")


def _invalid_link() -> Response:
    return _page("This link is not valid", "It may be incomplete or too old. Please use the link in your most "
                 "recent message, or reply to it and we will help.", status=401)


@unsubscribe.route("/s/{code}", methods=["GET"])
def short_link(code: str) -> Response:
    """An SMS's short link: on to the signed self-service link it stands for."""
    from chalicelib.domain.errors import NotFound

    app = container()
    try:
        target = app.links.expand(code, app.clock.now())
    except NotFound:
        return _page("This link has expired", "Please use the link in your most recent message.", status=410)
    return Response(body="", status_code=302, headers={"Location": target, "Cache-Control": "no-store"})
