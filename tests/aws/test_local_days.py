"""Calendar dates (a flag's `until`, a pause's end, whether a pause is still on) are days in the debtor's own
calendar, not in UTC. Checked at 23:30 and 00:30 local far west (Honolulu, UTC-10) and far east
(Auckland, UTC+13 in December) of UTC, where the UTC date is another day."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.parsing import parse
from tests.aws.test_first_reminder import auth
from tests.support.samples import account

LATE_AND_EARLY = [  # (zone, local day, local time): the last two are where UTC is already on another day
    ("Pacific/Auckland", date(2026, 12, 1), "23:30"),
    ("Pacific/Honolulu", date(2026, 12, 2), "00:30"),
    ("Pacific/Auckland", date(2026, 12, 2), "00:30"),  # UTC: 1 Dec, 11:30
    ("Pacific/Honolulu", date(2026, 12, 1), "23:30"),  # UTC: 2 Dec, 09:30
]
IDS = [f"{zone.split('/')[1]}-{day.isoformat()}-{clock}" for zone, day, clock in LATE_AND_EARLY]


def local(zone: str, day: date, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(zone))


def at(aws, instant: datetime):
    """The app's use cases with the clock stopped at `instant`."""
    from chalicelib.adapters.clock import FixedClock
    from chalicelib.bootstrap import Container

    return Container(aws.settings, clock=FixedClock(instant))


@pytest.fixture
def debtor_in(client, tenant):
    def put(zone: str) -> dict[str, str]:
        body = account(timezone=zone, country=None)
        assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(body)).status_code == 201
        return tenant
    return put


def stored(client, tenant):
    return json.loads(client.http.get("/v1/accounts/acct-1", headers=auth(tenant)).body)


def flag(app, tenant, body):
    return app.accounts.set_flag(tenant["tenant_id"], "acct-1", parse(FlagIn, json.dumps(body)), "api_key:test")


@pytest.mark.parametrize(("zone", "today", "clock"), LATE_AND_EARLY, ids=IDS)
def test_a_flag_until_the_debtors_today_is_refused_and_until_tomorrow_holds_today(
        client, aws, debtor_in, zone, today, clock):
    tenant = debtor_in(zone)
    app = at(aws, local(zone, today, clock))
    before = stored(client, tenant)

    with pytest.raises(InvalidInput) as refused:
        flag(app, tenant, {"flag": "hardship", "active": True, "until": today.isoformat()})
    assert refused.value.field == "until"
    assert stored(client, tenant) == before

    tomorrow = (today + timedelta(days=1)).isoformat()
    paused = flag(app, tenant, {"flag": "hardship", "active": True, "until": tomorrow})
    assert paused.state == "paused" and paused.flags["hardship"].until.isoformat() == tomorrow


def portal_token(app, tenant, instant: datetime) -> str:
    return app.links.portal_url(tenant["tenant_id"], "acct-1", instant).rsplit("/", 1)[1]


@pytest.mark.parametrize(("zone", "today", "clock"), LATE_AND_EARLY, ids=IDS)
def test_a_pause_from_the_page_lasts_the_policys_days_counted_from_the_debtors_today(
        client, aws, debtor_in, zone, today, clock):
    tenant = debtor_in(zone)
    instant = local(zone, today, clock)
    app = at(aws, instant)

    app.portal.pause(portal_token(app, tenant, instant))

    assert stored(client, tenant)["flags"]["hardship"]["until"] == (today + timedelta(days=30)).isoformat()


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "Pacific/Honolulu"])
def test_a_second_click_on_pause_knows_whether_the_pause_is_still_on_in_the_debtors_calendar(
        client, aws, debtor_in, zone):
    # Given the debtor paused 30 days ago (local noon), so the pause ends as their local `today` begins
    tenant = debtor_in(zone)
    today = date(2026, 12, 2)
    started = local(zone, today - timedelta(days=30), "12:00")
    first = at(aws, started)
    first.portal.pause(portal_token(first, tenant, started))
    assert stored(client, tenant)["flags"]["hardship"]["until"] == today.isoformat()
    # When they click again late on the last day, or early on the first day after it
    for last_day, clicked_at in [(True, local(zone, today - timedelta(days=1), "23:30")),
                                 (False, local(zone, today, "00:30"))]:
        app = at(aws, clicked_at)
        before = stored(client, tenant)
        if last_day:
            # Then on the last day the pause is still on: a second click changes nothing
            app.portal.pause(portal_token(app, tenant, clicked_at))
        else:
            # And once it has ended, another pause this year is a conversation with a person
            with pytest.raises(Conflict):
                app.portal.pause(portal_token(app, tenant, clicked_at))
        assert stored(client, tenant) == before


# A processor's event time is checked against the real clock (never more than a day ahead), so the payment
# is dated in the past: the same hours a month earlier, when Auckland is also at UTC+13.
PAID_LATE_AND_EARLY = [(zone, day.replace(month=11), clock) for zone, day, clock in LATE_AND_EARLY]


@pytest.mark.parametrize(("zone", "today", "clock"), PAID_LATE_AND_EARLY, ids=IDS)
def test_the_page_dates_a_payment_on_the_debtors_day(client, aws, debtor_in, zone, today, clock):
    from tests.aws.test_webhooks import post, set_secret
    from tests.support import webhooks as wh

    tenant = debtor_in(zone)
    set_secret(client, tenant, "stripe", wh.STRIPE_SECRET)
    paid_at = int(local(zone, today, clock).timestamp())
    payload = wh.body(wh.stripe_event("invoice.paid", wh.stripe_invoice(1000), "evt_part", paid_at))
    assert post(client, tenant["tenant_id"], "stripe", payload, wh.stripe_headers(payload)).status_code == 200

    url = aws.links.portal_url(tenant["tenant_id"], "acct-1", datetime.now(ZoneInfo("UTC")))
    page = client.http.get(url.removeprefix(aws.settings.public_base_url)).body.decode()

    day_of = "{} de noviembre de 2026".format
    assert day_of(today.day) in page
    assert day_of(3 - today.day) not in page  # the UTC date, a day off


@pytest.mark.parametrize(("zone", "today", "clock"), LATE_AND_EARLY, ids=IDS)
def test_the_next_years_pause_opens_as_the_debtors_anniversary_day_begins(client, aws, debtor_in, zone, today, clock):
    # Given the debtor took their pause late on a local day a year ago, and finance lifted it long since
    tenant = debtor_in(zone)
    year_ago = today - timedelta(days=365)
    taken = local(zone, year_ago, "23:45")
    first = at(aws, taken)
    first.portal.pause(portal_token(first, tenant, taken))
    flag(at(aws, local(zone, year_ago + timedelta(days=2), "12:00")), tenant, {"flag": "hardship", "active": False})
    # Then the day before the anniversary, still no pause from the page
    eve = local(zone, today - timedelta(days=1), "23:30")
    with pytest.raises(Conflict):
        at(aws, eve).portal.pause(portal_token(at(aws, eve), tenant, eve))
    # And on the anniversary, from the first minutes of the debtor's day, there is
    now = local(zone, today, clock)
    at(aws, now).portal.pause(portal_token(at(aws, now), tenant, now))
    assert stored(client, tenant)["flags"]["hardship"]["until"] == (today + timedelta(days=30)).isoformat()
