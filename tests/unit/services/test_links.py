"""Links (services/links.py) over the fakes: a short code stands for a signed portal link until it expires."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import NotFound
from chalicelib.domain.links import PORTAL
from tests.unit.services.conftest import ACCOUNT_ID


def test_a_stored_short_code_expands_to_a_portal_link_for_its_account(links, portal, accounts, faked, tenant):
    from tests.unit.services.conftest import put_account

    put_account(accounts, tenant)
    url, link = links.short_portal_link(tenant.tenant_id, ACCOUNT_ID, faked.clock.now())
    assert url.endswith(f"/s/{link.code}") and link.purpose == PORTAL
    faked.short_links.links[link.code] = link  # stored with the SMS that carries it (see test_remind)

    expanded = links.expand(link.code, faked.clock.now())

    assert portal.view(expanded.rsplit("/p/", 1)[1]).account.account_id == ACCOUNT_ID


def test_an_unknown_malformed_or_expired_code_is_not_found(links, faked, tenant):
    _, link = links.short_portal_link(tenant.tenant_id, ACCOUNT_ID, faked.clock.now())
    faked.short_links.links[link.code] = link

    for code in ("ZZZZZZZZZZ", "../etc", ""):
        with pytest.raises(NotFound):
            links.expand(code, faked.clock.now())
    with pytest.raises(NotFound):
        links.expand(link.code, faked.clock.now() + timedelta(days=46))
