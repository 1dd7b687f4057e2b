"""The debtor's self-service page (/p/{token}) and its actions. No login and no cookies: the signed, expiring,
single-account link is the only key. Every action answers with the page again (303 to it after a change)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from chalice import Blueprint, Response

from chalicelib.bootstrap import container
from chalicelib.domain.accounts import DEBTOR
from chalicelib.domain.errors import Conflict, InvalidInput, KindlyError, NotFound, Unauthenticated
from chalicelib.routes.http import body_of

portal = Blueprint(__name__)
FORM = ["application/x-www-form-urlencoded", "multipart/form-data"]
NOTICES = ("pause", "dispute", "preferences", "plan", "settle", "promise")
# Fields whose refusal the page words itself, in the debtor's language; anything else reads "please try again".
PAGE_ERRORS = ("pause", "note", "invoice", "hours_from", "language", "frequency", "instalments", "first_on",
               "currency", "terms", "plan", "amount", "by", "promise", "settlement_offer", "flags")
BASE_HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
HTML = {**BASE_HEADERS, "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"}


def portal_csp(nonce: str, logo_origin: str | None) -> str:
    """The page's policy: its one <style> by nonce (no inline style attributes), images from itself and the
    tenant's logo origin only, forms only back to itself."""
    images = " ".join(filter(None, ("'self'", "data:", logo_origin)))
    return (f"default-src 'none'; style-src 'nonce-{nonce}'; img-src {images}; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'")


@portal.route("/p/{token}", methods=["GET"])
def page(token: str) -> Response:
    notice = portal.current_request.query_params.get("done") if portal.current_request.query_params else None
    return _render(token, notice=notice if notice in NOTICES else None)


@portal.route("/p/{token}/pause", methods=["POST"], content_types=FORM)
def pause(token: str) -> Response:
    return _act(token, "pause", lambda app, _form, token: app.portal.pause(token))


@portal.route("/p/{token}/dispute", methods=["POST"], content_types=FORM)
def dispute(token: str) -> Response:
    return _act(token, "dispute", lambda app, form, token: app.portal.dispute(token, form.get("note", ""),
                                                                           form.get("invoice", "")))


@portal.route("/p/{token}/preferences", methods=["POST"], content_types=FORM)
def preferences(token: str) -> Response:
    return _act(token, "preferences", lambda app, form, token: app.portal.preferences(token, form))


@portal.route("/p/{token}/plan", methods=["POST"], content_types=FORM)
def plan_quote(token: str) -> Response:
    """Every date and amount of the plan the debtor chose, and a button to confirm it; writes nothing."""
    from chalicelib.inputs.portal_forms import plan_request, terms_of

    app = container()
    try:
        form = _form()
        account = app.portal.view(token).account
    except (Unauthenticated, NotFound):
        return _invalid()
    except KindlyError:
        return _render(token, error="other", status=400)
    try:
        request = plan_request(form)
        quoted = app.plans.quote(account.tenant_id, account.account_id, request)
    except (InvalidInput, Conflict) as exc:
        return _refused(token, exc)
    quote = {"frequency": request.frequency, "count": request.instalments, "first_on": request.first_on.isoformat(),
             "currency": quoted.currency, "total": quoted.total, "terms": terms_of(quoted),
             "instalments": [{"n": i.n, "due_on": i.due_on, "amount": i.amount} for i in quoted.instalments]}
    return _render(token, quote=quote)


@portal.route("/p/{token}/plan/confirm", methods=["POST"], content_types=FORM)
def plan_confirm(token: str) -> Response:
    return _act(token, "plan", _confirm_plan)


def _confirm_plan(app: Any, form: dict[str, str], token: str) -> None:
    """Quote again and create only the plan the debtor saw: edited terms are refused; the confirmation of the
    plan already made (a second click, a reload, a racing twin) changes nothing."""
    from chalicelib.inputs.portal_forms import plan_request, replayed, same_terms

    account = app.portal.view(token).account
    request = plan_request(form)
    if replayed(form, account.plan):
        return
    try:
        quoted = app.plans.quote(account.tenant_id, account.account_id, request)
        if not same_terms(form, quoted):
            raise InvalidInput("the plan's dates or amounts are not the ones quoted", "terms")
        app.plans.create(account.tenant_id, account.account_id, request, created_by="debtor", actor=DEBTOR)
    except Conflict:
        if not replayed(form, app.portal.view(token).account.plan):  # lost the race to the same confirmation
            raise


@portal.route("/p/{token}/settle", methods=["POST"], content_types=FORM)
def settle(token: str) -> Response:
    def accept(app: Any, _form: dict[str, str], token: str) -> None:
        account = app.portal.view(token).account
        app.plans.accept_settlement(account.tenant_id, account.account_id, actor=DEBTOR)

    return _act(token, "settle", accept)


@portal.route("/p/{token}/promise", methods=["POST"], content_types=FORM)
def promise(token: str) -> Response:
    def make(app: Any, form: dict[str, str], token: str) -> None:
        from chalicelib.inputs.portal_forms import promise_form

        account = app.portal.view(token).account
        owing = {currency: amount for currency, amount in account.undisputed_balance().items() if amount > 0}
        amount, currency, by = promise_form(form, owing)
        app.plans.promise(account.tenant_id, account.account_id, amount, currency, by, actor=DEBTOR)

    return _act(token, "promise", make)


def _refused(token: str, exc: InvalidInput | Conflict) -> Response:
    # The page says it in the debtor's language; the field names which sentence.
    error = exc.field if exc.field in PAGE_ERRORS else "other"
    return _render(token, error=error, status=409 if isinstance(exc, Conflict) else 400)


def _act(token: str, done: str, action: Any) -> Response:
    app = container()
    try:
        action(app, _form(), token)
    except (Unauthenticated, NotFound):
        return _invalid()
    except (InvalidInput, Conflict) as exc:
        return _refused(token, exc)
    except KindlyError:  # an oversized form, a busy table: the page, with a kind word, not a stack trace
        return _render(token, error="other", status=400)
    return Response(body="", status_code=303, headers={"Location": f"{_up()}{token}?done={done}",
                                                        "Cache-Control": "no-store"})


def _up() -> str:
    """The relative way back to /p/{token}'s folder from the route answering (/p/{token}/plan/confirm is two
    levels below it): links and form actions stay relative, so the page works under any stage prefix."""
    route = (portal.current_request.context or {}).get("resourcePath", "/p/{token}")
    return "../" * max(route.rstrip("/").count("/") - 2, 0)


def _form() -> dict[str, str]:
    raw = body_of(portal.current_request) if portal.current_request.raw_body else b""
    try:
        fields = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("the form could not be read") from exc
    return {name: values[-1] for name, values in fields.items()}


def _render(token: str, *, notice: str | None = None, error: str | None = None, status: int = 200,
            quote: dict[str, Any] | None = None) -> Response:
    import secrets

    app = container()
    try:
        view = app.portal.view(token)
    except KindlyError:
        return _invalid()
    unsubscribe_url = app.links.unsubscribe_url(view.account.tenant_id, view.account.account_id, view.now)
    nonce = secrets.token_urlsafe(16)
    context = {**view.page(), "token": token, "unsubscribe_url": unsubscribe_url, "notice": notice, "error": error,
               "quote": quote, "nonce": nonce, "here": _up() + token}
    html, lang = app.renderer.render_portal(context, view.account.message_locale)
    headers = {**BASE_HEADERS, "Content-Security-Policy": portal_csp(nonce, view.tenant.logo_origin),
               "Content-Language": lang}
    return Response(body=html, status_code=status, headers=headers)


def _invalid() -> Response:
    from chalicelib.adapters.templates_jinja import accepted_languages

    languages = accepted_languages(portal.current_request.headers.get("accept-language"))
    html, lang = container().renderer.render_page("invalid", languages)
    return Response(body=html, status_code=401, headers={**HTML, "Content-Language": lang})
