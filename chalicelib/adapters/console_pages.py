"""The finance console's pages, from the Jinja templates in chalicelib/templates/console (English only: the
console is for the tenant's own staff). Every value is escaped; amounts are formatted with Babel."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.numbers import format_currency, get_currency_precision
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

CONSOLE_ROOT = Path(__file__).resolve().parent.parent / "templates" / "console"
LOCALE = "en_GB"


def money(amount: int, currency: str) -> str:
    """Minor units as the currency is written: 4900 EUR is "€49.00", 5800 JPY is "¥5,800"."""
    try:
        digits = get_currency_precision(currency)
    except Exception:  # noqa: BLE001 - a code Babel does not know: show it plainly
        return f"{amount} {currency}"
    return format_currency(Decimal(amount).scaleb(-digits), currency, locale=LOCALE)


@lru_cache(maxsize=1)
def _environment(root: Path) -> Environment:
    env = Environment(loader=FileSystemLoader(root), undefined=StrictUndefined,
                      autoescape=select_autoescape(enabled_extensions=("html.j2",), default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["money"] = money
    return env


class JinjaConsolePages:
    """ports.ConsolePages."""

    def __init__(self, root: Path | None = None) -> None:
        self._root = Path(root or CONSOLE_ROOT)

    def render_console(self, page: str, context: dict[str, Any]) -> str:
        return _environment(self._root).get_template(f"{page}.html.j2").render(**context)
