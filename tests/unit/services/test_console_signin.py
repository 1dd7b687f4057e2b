"""Signing in to the console (services/console_signin.py) over the fakes: links, their single use and expiry,
unknown addresses, the rate limit, sessions that end when the person goes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from chalicelib.domain.console import SIGNIN_LIMIT, token_hash
from chalicelib.domain.errors import InvalidInput, Throttled, Unauthenticated

pytestmark = pytest.mark.unit


@pytest.fixture
def signin(container):
    return container.console_signin


@pytest.fixture
def person(container, tenant):
    return container.console_people.add(tenant.tenant_id, "Fin@Acme.example.com", "editor", "test")


def token_in(faked) -> str:
    (match,) = re.findall(r"/console/signin/(\S+)", faked.email.sent[-1].message.text)
    return str(match)


def test_a_known_address_gets_one_link_whose_hash_alone_is_stored(faked, signin, person, tenant):
    signin.request_link(" fin@ACME.example.com ")

    (sent,) = faked.email.sent
    assert (sent.recipient, sent.sender) == ("fin@acme.example.com", tenant.sender_email)
    token = token_in(faked)
    assert list(faked.console.links) == [token_hash(token)]
    assert token not in repr(faked.console.links)


def test_an_unknown_address_stores_and_sends_nothing(faked, signin, person):
    signin.request_link("stranger@acme.example.com")

    assert faked.email.sent == [] and faked.console.links == {}


def test_not_an_address_is_refused_before_counting(faked, signin):
    with pytest.raises(InvalidInput):
        signin.request_link("nope")
    assert faked.console.counters == {}


def test_the_link_opens_one_session_with_the_persons_role(faked, signin, person):
    signin.request_link(person.email)
    token = token_in(faked)

    signed_in = signin.exchange(token)

    assert (signed_in.session.user_id, signed_in.session.role) == (person.user_id, "editor")
    assert signed_in.session.expires_at == faked.clock.now() + timedelta(hours=8)
    assert signin.session_of(signed_in.cookie) == signed_in.session
    with pytest.raises(Unauthenticated):
        signin.exchange(token)


def test_a_link_taken_after_15_minutes_is_refused(faked, signin, person):
    signin.request_link(person.email)
    faked.clock.advance(timedelta(minutes=15))

    with pytest.raises(Unauthenticated):
        signin.exchange(token_in(faked))
    assert faked.console.sessions == {}


def test_the_limit_counts_requests_per_address_in_a_window(faked, signin, person):
    for _ in range(SIGNIN_LIMIT):
        signin.request_link(person.email)
    with pytest.raises(Throttled):
        signin.request_link(person.email)
    assert len(faked.email.sent) == SIGNIN_LIMIT

    faked.clock.advance(timedelta(minutes=15))
    signin.request_link(person.email)
    assert len(faked.email.sent) == SIGNIN_LIMIT + 1


def test_a_session_follows_the_person_role_changes_and_removal(faked, container, signin, person, tenant):
    from msgspec.structs import replace

    signin.request_link(person.email)
    cookie = signin.exchange(token_in(faked)).cookie

    faked.console.users[(tenant.tenant_id, person.user_id)] = replace(person, role="viewer")
    assert signin.session_of(cookie).role == "viewer"
    container.console_people.remove(tenant.tenant_id, person.user_id, "test")
    assert signin.session_of(cookie) is None


def test_signing_out_closes_the_session(faked, signin, person):
    signin.request_link(person.email)
    signed_in = signin.exchange(token_in(faked))

    signin.sign_out(signed_in.session)

    assert signin.session_of(signed_in.cookie) is None
