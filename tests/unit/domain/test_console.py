"""The console's pure rules: who may do what, the signed session cookie, CSRF tokens, the rate-limit window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.console import (
    CHANGE_POLICIES,
    MANAGE_USERS,
    READ,
    SET_WEBHOOK_SECRETS,
    Session,
    csrf_matches,
    csrf_token,
    may,
    seal,
    unseal,
    window_of,
)

pytestmark = pytest.mark.unit

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
KEY, OLD, OTHER = b"k" * 32, b"o" * 32, b"x" * 32
SESSION = Session("usr_1", "ten_1", "editor", "sid_1", NOW + timedelta(hours=8))


@pytest.mark.parametrize("role, allowed", [
    ("viewer", {READ}), ("editor", {READ, CHANGE_POLICIES}),
    ("admin", {READ, CHANGE_POLICIES, MANAGE_USERS, SET_WEBHOOK_SECRETS}), ("owner", set()),
])
def test_each_role_may_do_what_the_roles_before_it_may(role, allowed):
    actions = {READ, CHANGE_POLICIES, MANAGE_USERS, SET_WEBHOOK_SECRETS}
    assert {action for action in actions if may(role, action)} == allowed
    assert not may(role, "delete_everything")


def test_a_sealed_session_reads_back_under_the_current_or_previous_key():
    cookie = seal(SESSION, OLD)

    assert unseal(cookie, [KEY, OLD], NOW) == SESSION
    assert unseal(cookie, [KEY], NOW) is None  # signed by a key no longer accepted


@pytest.mark.parametrize("tamper", [
    lambda c: c.replace(".", "x."), lambda c: c[:-2], lambda c: c.split(".")[0], lambda c: "", lambda c: "a.b.c",
    lambda c: c + "x" * 2000,
])
def test_a_tampered_or_malformed_cookie_is_no_session(tamper):
    assert unseal(tamper(seal(SESSION, KEY)), [KEY], NOW) is None


def test_an_expired_session_is_no_session():
    cookie = seal(SESSION, KEY)
    assert unseal(cookie, [KEY], SESSION.expires_at) is None
    assert unseal(cookie, [KEY], SESSION.expires_at - timedelta(seconds=1)) == SESSION


def test_a_csrf_token_belongs_to_one_session():
    token = csrf_token("sid_1", OLD)

    assert csrf_matches(token, "sid_1", [KEY, OLD])
    assert not csrf_matches(token, "sid_2", [KEY, OLD])
    assert not csrf_matches(token, "sid_1", [OTHER])
    assert not csrf_matches(None, "sid_1", [KEY]) and not csrf_matches("", "sid_1", [KEY])


def test_the_rate_limit_window_is_a_fixed_quarter_hour():
    name, ends = window_of(datetime(2026, 12, 1, 10, 7, 30, tzinfo=UTC))
    same, _ = window_of(datetime(2026, 12, 1, 10, 14, 59, tzinfo=UTC))
    after, _ = window_of(datetime(2026, 12, 1, 10, 15, tzinfo=UTC))

    assert ends == datetime(2026, 12, 1, 10, 15, tzinfo=UTC)
    assert name == same != after
