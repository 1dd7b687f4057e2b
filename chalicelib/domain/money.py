"""Money is an integer count of minor units in an ISO 4217 currency; never a float."""

from __future__ import annotations

from functools import lru_cache

# 1e11 minor units is a billion in a two-decimal currency: anything larger is a data error, not a debt.
MAX_AMOUNT = 100_000_000_000


# ISO 4217 codes that are not money a debtor owes: precious metals, IMF and bond-market units, the test
# code and "no currency". CLDR lists them, and a reminder would read "your payment of ¤1.00".
NO_CURRENCY = "X" * 3  # ISO 4217's code for "no currency"
NOT_MONEY = frozenset({"XAG", "XAU", "XPD", "XPT", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA", "XTS", NO_CURRENCY})


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies()) - NOT_MONEY


def is_currency(code: object) -> bool:
    return isinstance(code, str) and len(code) == 3 and code.isupper() and code in _known_currencies()


def add_balances(lines: list[tuple[int, str]]) -> dict[str, int]:
    """Sum (amount, currency) pairs per currency, keeping currencies apart (no conversion, ever)."""
    totals: dict[str, int] = {}
    for amount, currency in lines:
        totals[currency] = totals.get(currency, 0) + amount
    return dict(sorted(totals.items()))
