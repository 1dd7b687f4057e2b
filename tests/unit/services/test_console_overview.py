"""The console's overview (services/console_overview.py) over the fakes: the figures, and money per week."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.payments import CHARGEBACK, SUCCEEDED, Payment
from chalicelib.services.console_overview import chart, weeks_asked
from tests.unit.services.conftest import NOW, put_account, stored

pytestmark = pytest.mark.unit


def test_bars_are_sized_against_the_largest():
    drawn = chart("t", [("a", 5), ("b", 10), ("c", 0)])
    assert [bar.share for bar in drawn.bars] == [0.5, 1.0, 0.0]
    assert chart("t", [("a", 0)]).empty


@pytest.mark.parametrize("text, weeks", [(None, 8), ("", 8), ("13", 13)])
def test_the_period_is_one_of_those_offered(text, weeks):
    assert weeks_asked(text) == weeks


@pytest.mark.parametrize("text", ["3", "-4", "8.0", "all"])
def test_another_period_is_refused(text):
    with pytest.raises(InvalidInput):
        weeks_asked(text)


def test_money_per_week_is_received_less_paid_back_in_the_week_the_stream_recorded_it(faked, container, accounts,
                                                                                      tenant):
    put_account(accounts, tenant)
    for ago, payment in ((timedelta(weeks=9), Payment("stripe", "pi_3", SUCCEEDED, 999, "EUR", NOW, "e4")),
                         (timedelta(days=8), Payment("stripe", "pi_2", SUCCEEDED, 1000, "EUR", NOW, "e2")),
                         (timedelta(days=7), Payment("stripe", "pi_2", CHARGEBACK, 1000, "EUR", NOW, "e3")),
                         (timedelta(days=1), Payment("stripe", "pi_1", SUCCEEDED, 4900, "EUR", NOW, "e1"))):
        faked.clock.set(NOW - ago)
        account = stored(faked, tenant)
        account.add_line(payment)
        faked.accounts.save(account)
        faked.flow_stream()
    faked.clock.set(NOW)
    reads = faked.figure_store.reads

    (eur,) = container.console_overview.recovered_by_week(tenant.tenant_id, 4)

    # NOW is Tuesday 1 December: this week began Monday 30 November
    assert [(bar.label, bar.value) for bar in eur.bars] == [
        ("09 Nov", 0), ("16 Nov", 0), ("23 Nov", 1000 - 1000), ("30 Nov", 4900)]
    assert eur.unit == "EUR"
    assert faked.figure_store.reads - reads == 1  # one query of the weeks' day items


def test_the_overview_figures_are_those_of_the_weeks_shown(faked, container, accounts, tenant):
    put_account(accounts, tenant)
    faked.clock.set(NOW - timedelta(weeks=6))
    account = stored(faked, tenant)
    account.add_line(Payment("stripe", "pi_1", SUCCEEDED, 1000, "EUR", NOW, "e1"))
    faked.accounts.save(account)
    faked.flow_stream()
    faked.clock.set(NOW)

    assert container.console_overview.overview(tenant.tenant_id, 4)["figures"]["recovered"] == {}
    assert container.console_overview.overview(tenant.tenant_id, 8)["figures"]["recovered"] == {"EUR": 1000}
