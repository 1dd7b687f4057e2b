"""Render reminders from the Jinja templates in chalicelib/templates, in the debtor's language.

Layout: templates/<channel>/<lang>/<template>.{subject,txt,html}.j2 (SMS: .txt.j2 only). Words
live in the templates; amounts and dates are formatted here with Babel, always in the account's
full locale, even when its language falls back to English text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency, get_currency_precision
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

from chalicelib.domain.messages import (
    EMAIL,
    SMS,
    Attachment,
    InstalmentLine,
    MessageContext,
    MessageTooLong,
    RenderedMessage,
)
from chalicelib.domain.wording import gsm7_fold, sms_segments

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent / "templates"
FALLBACK_LANGUAGE = "en"
PAGES = "pages"
MAX_SMS_SEGMENTS = 2
_PARTS = {EMAIL: ("subject", "txt", "html"), SMS: ("txt",)}
# Any run of whitespace except the no-break spaces Babel puts inside amounts and dates ("49,00\u00a0€").
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")


# What each plan or settlement message cannot be written without, read from the context.
_NEEDS: dict[str, tuple[str, Callable[[MessageContext], object]]] = {
    "plan_confirmed": ("instalments", lambda ctx: ctx.instalments),
    "instalment_heads_up": ("next_instalment", lambda ctx: ctx.next_instalment),
    "instalment_missed": ("a missed instalment", lambda ctx: _last_missed(ctx)),
    "plan_ended": ("instalments", lambda ctx: ctx.instalments),
    "settlement_offer": ("settlement", lambda ctx: ctx.settlement),
    "settlement_confirmed": ("settlement", lambda ctx: ctx.settlement),
    "promise_missed": ("promise", lambda ctx: ctx.promise),
}


def _attachments(ctx: MessageContext, lang: str) -> tuple[Attachment, ...]:
    """The plan's calendar goes with its confirmation, so the dates land in the debtor's own calendar."""
    if ctx.template != "plan_confirmed" or not ctx.instalments:
        return ()
    from datetime import UTC, datetime

    from chalicelib.adapters.calendar_ics import plan_calendar

    locale = _babel_locale(ctx.locale)
    first = ctx.instalments[0]
    seed = "\x1f".join((ctx.tenant_name, ctx.debtor_name, first.due_on.isoformat(),
                         str(sum(line.amount for line in ctx.instalments))))
    return (plan_calendar(ctx.instalments, tenant=ctx.tenant_name, lang=lang, uid_seed=seed,
                          money=lambda amount, currency: _money(locale, amount, currency),
                          stamp=datetime.now(UTC)),)


def _last_missed(ctx: MessageContext) -> InstalmentLine | None:
    return next((line for line in reversed(ctx.instalments) if line.status == "missed"), None)


class MissingMessageData(ValueError):
    """The context lacks what the template is about (a plan message without a plan, an offer without terms)."""


class UnknownTemplate(KeyError):
    def __init__(self, template: str, channel: str) -> None:
        super().__init__(template, channel)
        self.template = template
        self.channel = channel

    def __str__(self) -> str:
        return f"no {self.channel} template named {self.template!r}"


def available_templates(channel: str, template_root: Path | None = None) -> set[str]:
    """Template names a policy step may use on `channel` (those that exist in English). The plan and settlement
    messages are left out: they follow a plan or an offer, and are sent when one changes, not on a schedule; so are
    the answers to a debtor's text, sent when one comes."""
    from chalicelib.domain.sms_replies import REPLY_TEMPLATES  # policy editing only: the worker renders without it

    return set(_available(channel, template_root or TEMPLATE_ROOT)) - set(_NEEDS) - REPLY_TEMPLATES


@lru_cache(maxsize=8)
def _available(channel: str, root: Path) -> frozenset[str]:
    folder = root / channel / FALLBACK_LANGUAGE
    if channel not in _PARTS or not folder.is_dir():
        return frozenset()
    return frozenset(p.name.removesuffix(".txt.j2") for p in folder.glob("*.txt.j2") if p.name[0] != "_")


@lru_cache(maxsize=256)
def _babel_locale(tag: str) -> Locale:
    for candidate in (tag.replace("-", "_"), re.split(r"[-_]", tag)[0]):
        try:
            return Locale.parse(candidate)
        except (ValueError, TypeError, UnknownLocaleError):
            continue
    return Locale.parse(FALLBACK_LANGUAGE)


# Babel's formatting is pure and costs tens of microseconds a call; a message names the same amounts and dates in
# its subject, text and HTML, and a run of reminders names the same few due dates: each is formatted once.
@lru_cache(maxsize=4096)
def _money(locale: Locale, amount: int, currency: str) -> str:
    major = Decimal(amount).scaleb(-get_currency_precision(currency))
    return format_currency(major, currency, locale=locale)


def _date(value: date | None, form: str, locale: Locale) -> str:
    if value is None:  # Babel's "today": never kept
        return format_date(value, format=form, locale=locale)
    return _formatted_date(value, form, locale)


@lru_cache(maxsize=4096)
def _formatted_date(value: date, form: str, locale: Locale) -> str:
    return format_date(value, format=form, locale=locale)


@pass_context
def _money_filter(context, amount: int, currency: str) -> str:
    return _money(context["babel_locale"], amount, currency)


@pass_context
def _longdate_filter(context, value) -> str:
    return _date(value, "long", context["babel_locale"])


@pass_context
def _mediumdate_filter(context, value) -> str:
    """Like 15 Nov 2026 or 15.11.2026: as exact as the long form, and short enough for an SMS."""
    return _date(value, "medium", context["babel_locale"])


@pass_context
def _schedule_table_filter(context, rows, headers) -> str:
    """Instalment rows as a plain-text table: number, long date and amount, columns padded to line up."""
    locale = context["babel_locale"]
    body = [(str(r.n), _date(r.due_on, "long", locale), _money(locale, r.amount, r.currency))
            for r in rows]
    table = [tuple(headers), *body]
    widths = [max(len(line[i]) for line in table) for i in range(3)]
    lines = (f"{n.ljust(widths[0])}   {when.ljust(widths[1])}   {amount.rjust(widths[2])}" for n, when, amount in table)
    return "\n".join(line.rstrip() for line in lines)


@pass_context
def _balance_filter(context, balances) -> str:
    """(amount, currency) pairs as one phrase: "€49.00 and £12.50", "49,00 € y 12,50 GBP".

    The amounts follow the account's locale; the "and" follows the language the text is written in.
    """
    locale = context["babel_locale"]
    amounts = [_money(locale, amount, currency) for amount, currency in balances]
    return format_list(amounts, locale=locale if locale.language == context["lang"] else context["lang"])


def accepted_languages(header: str | None) -> list[str]:
    """The tags of an Accept-Language header, most wanted first (RFC 9110 12.5.4)."""
    ranked = []
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag and tag != "*" and weight > 0:
            ranked.append((-weight, position, tag))
    return [tag for _weight, _position, tag in sorted(ranked)]


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


class JinjaRenderer:
    def __init__(self, template_root: Path | None = None) -> None:
        self.template_root = Path(template_root or TEMPLATE_ROOT)
        self.env = Environment(
            loader=FileSystemLoader(self.template_root),
            undefined=StrictUndefined,
            # .html.j2 escapes every value; .txt.j2, .subject.j2 and the _strings.j2 word lists do not.
            autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False, default=False),
            trim_blocks=True,
            lstrip_blocks=True,
            # Templates ship with the code: once compiled they stay, with no stat of their files per message.
            auto_reload=False,
            cache_size=1000,
        )
        self.env.filters.update(
            money=_money_filter, longdate=_longdate_filter, mediumdate=_mediumdate_filter, balance=_balance_filter,
            schedule_table=_schedule_table_filter,
        )
        self._languages = {
            folder: {p.name for p in (self.template_root / folder).iterdir() if p.is_dir()}
            if (self.template_root / folder).is_dir()
            else set()
            for folder in (*_PARTS, PAGES)
        }

    def render_page(self, kind: str, locales: list[str], form_action: str | None = None) -> tuple[str, str]:
        """A link page (unsubscribe, broken or expired link) in the first of `locales` we have words for;
        returns (html, language)."""
        languages = [re.split(r"[-_]", tag, maxsplit=1)[0].lower() for tag in locales]
        lang = next((code for code in languages if code in self._languages[PAGES]), FALLBACK_LANGUAGE)
        html = self.env.get_template(f"{PAGES}/page.html.j2").render(kind=kind, lang=lang, form_action=form_action)
        return html, lang

    def render_portal(self, page: dict[str, Any], locale: str) -> tuple[str, str]:
        """The self-service page in the debtor's language; amounts and dates in their full locale."""
        lang = re.split(r"[-_]", locale, maxsplit=1)[0].lower()
        if lang not in self._languages[PAGES]:
            lang = FALLBACK_LANGUAGE
        html = self.env.get_template(f"{PAGES}/portal.html.j2").render(
            **page, lang=lang, babel_locale=_babel_locale(locale))
        return html, lang

    def render(self, ctx: MessageContext) -> RenderedMessage:
        if ctx.template not in _available(ctx.channel, self.template_root):
            raise UnknownTemplate(ctx.template, ctx.channel)
        if ctx.template in _NEEDS:
            what, read = _NEEDS[ctx.template]
            if not read(ctx):
                raise MissingMessageData(f"template {ctx.template!r} needs {what} in its context")
        lang = re.split(r"[-_]", ctx.locale, maxsplit=1)[0].lower()
        if lang not in self._languages[ctx.channel]:
            lang = FALLBACK_LANGUAGE
        variables = {name: getattr(ctx, name) for name in ctx.__struct_fields__}
        variables.update(
            lang=lang, third_party=ctx.tenant_role == "third_party", babel_locale=_babel_locale(ctx.locale),
            missed_instalment=_last_missed(ctx),
            plan_total=sum(line.amount for line in ctx.instalments),
            plan_currency=ctx.instalments[0].currency if ctx.instalments else None,
        )
        parts = {part: self._render_part(ctx, lang, part, variables) for part in _PARTS[ctx.channel]}
        if ctx.channel == SMS:
            return RenderedMessage(text=self._sms_text(ctx.template, parts["txt"]))
        return RenderedMessage(
            text=_tidy_text(parts["txt"]),
            subject=_BREAKING_SPACE.sub(" ", parts["subject"]).strip(),
            html=parts["html"].strip() + "\n",
            headers={
                "List-Unsubscribe": f"<{ctx.unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            attachments=_attachments(ctx, lang),
        )

    def _render_part(self, ctx: MessageContext, lang: str, part: str, variables: dict) -> str:
        names = [f"{ctx.channel}/{code}/{ctx.template}.{part}.j2" for code in dict.fromkeys((lang, "en"))]
        return self.env.select_template(names).render(variables)

    @staticmethod
    def _sms_text(template: str, rendered: str) -> str:
        text = gsm7_fold(" ".join(rendered.split()))
        segments = sms_segments(text)
        if segments > MAX_SMS_SEGMENTS:
            raise MessageTooLong(
                f"SMS template {template!r} renders to {segments} segments ({len(text)} characters); "
                f"the limit is {MAX_SMS_SEGMENTS}"
            )
        return text
