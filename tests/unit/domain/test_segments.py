"""Segments (domain.segments): an account that names no policy gets the first policy whose segment matches."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec.structs import replace

from chalicelib.domain.accounts import Account, Invoice
from chalicelib.domain.policies import STANDARD, Policy
from chalicelib.domain.segments import choose_policy, in_order, segment_reasons

pytestmark = pytest.mark.unit


def account(balance: int = 4900, *, tags: tuple[str, ...] = (), country: str | None = "ES",
            policy: str | None = None) -> Account:
    invoices = [Invoice("INV-1", balance, "EUR", date(2026, 11, 1), date(2026, 11, 15))] if balance else []
    return Account(tenant_id="t1", account_id="a1", name="Ana", locale="es-ES", policy=policy,
                   timezone="Europe/Madrid", country=country, tags=list(tags), invoices=invoices)


def policy(name: str, **segment: Any) -> Policy:
    return replace(STANDARD, name=name, segment={"min_balance": 0, "tags": [], "countries": [], **segment})


VIP = policy("vip", priority=1, min_balance=100000, tags=["enterprise"])
SMALL = policy("small-balances", priority=2, max_balance=5000)


def test_the_first_matching_policy_applies_and_says_why():
    applied = choose_policy(account(150000, tags=("enterprise",)), in_order([SMALL, VIP]))
    assert applied.name == "vip"
    assert applied.why == "segment of policy 'vip': balance >= 100000, tag 'enterprise'"


def test_priority_decides_when_two_segments_match():
    both = policy("both", priority=0, max_balance=5000)
    assert choose_policy(account(4900), in_order([SMALL, both])).name == "both"
    assert choose_policy(account(4900), in_order([replace(both, segment={**both.segment, "priority": 3}),
                                                  SMALL])).name == "small-balances"


def test_max_balance_is_exclusive_so_neighbouring_segments_tile():
    assert choose_policy(account(4999), in_order([SMALL])).name == "small-balances"
    assert choose_policy(account(5000), in_order([SMALL])).name == "standard"


def test_no_match_falls_back_to_standard():
    applied = choose_policy(account(150000), in_order([VIP]))  # no enterprise tag
    assert applied.name == "standard"
    assert "no policy's segment matches" in applied.why


def test_a_policy_without_priority_is_never_chosen_by_segment():
    catch_all = policy("catch-all")  # an empty segment would match everyone, but it has no priority
    assert in_order([catch_all]) == []
    assert choose_policy(account(), in_order([catch_all])).name == "standard"


def test_a_named_policy_is_kept_whatever_matches():
    applied = choose_policy(account(4900, policy="gentle"), in_order([SMALL]))
    assert (applied.name, applied.why) == ("gentle", "named on the account")


def test_countries_limit_the_segment():
    spain = policy("spain", priority=1, countries=["ES", "PT"])
    assert choose_policy(account(country="ES"), [spain]).why == "segment of policy 'spain': country ES"
    assert choose_policy(account(country="FR"), [spain]).name == "standard"
    assert choose_policy(account(country=None), [spain]).name == "standard"


def test_an_account_that_owes_nothing_has_balance_zero():
    assert segment_reasons({"max_balance": 1}, account(0)) == ["balance < 1"]
    assert segment_reasons({"min_balance": 1}, account(0)) is None


@given(balance=st.integers(0, 10**7), low=st.integers(0, 10**7), span=st.integers(1, 10**7) | st.none(),
       account_tags=st.sets(st.sampled_from(["a", "b", "c"])), wanted=st.sets(st.sampled_from(["a", "b", "c"])),
       country=st.sampled_from(["ES", "FR", "US"]), countries=st.sets(st.sampled_from(["ES", "FR", "US"])))
def test_a_segment_matches_exactly_when_every_condition_it_sets_holds(balance, low, span, account_tags, wanted,
                                                                     country, countries):
    high = None if span is None else low + span
    segment = {"min_balance": low, "max_balance": high, "tags": sorted(wanted), "countries": sorted(countries)}
    debtor = account(balance, tags=tuple(sorted(account_tags)), country=country)
    expected = (low <= balance and (high is None or balance < high)
                and (not wanted or bool(wanted & account_tags)) and (not countries or country in countries))
    assert (segment_reasons(segment, debtor) is not None) == expected


@given(priorities=st.lists(st.integers(0, 5) | st.none(), min_size=1, max_size=6))
def test_the_chosen_policy_is_the_lowest_priority_that_matches(priorities):
    policies = [policy(f"p{i}", priority=p, max_balance=5000 if i % 2 else None) for i, p in enumerate(priorities)]
    chosen = choose_policy(account(9000), in_order(policies)).name  # only even-numbered policies match 9000
    candidates = sorted((p, f"p{i}") for i, p in enumerate(priorities) if p is not None and i % 2 == 0)
    assert chosen == (candidates[0][1] if candidates else "standard")
