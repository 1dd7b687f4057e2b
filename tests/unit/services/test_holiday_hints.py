"""The sweep puts the debtor's coming holidays on each queue message (domain/holiday_hints.py) and the worker
answers from them without asking the holiday calendar; a message without them (queued before a deploy), or a day
past them, still gets the calendar's answer, and a holiday in the hint holds the reminder exactly as before."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from chalicelib.domain.outcomes import Outcome
from tests.fakes import Faked, FakeHolidays, fake_container
from tests.unit.services.conftest import ACCOUNT_ID, NOW, create_tenant, put_account


class CountingCalendar(FakeHolidays):
    """FakeHolidays that counts how often a place's calendar is asked for."""

    asked = 0

    def __call__(self, country: str | None, region: str | None) -> Callable[[date], bool]:
        self.asked += 1
        return super().__call__(country, region)


def arranged(holidays: frozenset[date] = frozenset()) -> tuple[Faked, CountingCalendar, dict]:
    calendar = CountingCalendar({"ES": set(holidays)})  # the sample debtor lives in Spain (Madrid)
    faked = fake_container(NOW, holidays=calendar)
    tenant = create_tenant(faked.container.tenants)
    put_account(faked.container.accounts, tenant)
    [item] = faked.container.sweep.plan(NOW, tenant.tenant_id).items
    calendar.asked = 0
    return faked, calendar, item


def worker(faked: Faked, item: dict, *, hint: bool = True) -> Outcome:
    return faked.container.remind.process(item["tenant_id"], item["account_id"], item["snapshot"],
                                          item.get("holidays") if hint else None)


def audit_details(faked: Faked, item: dict) -> dict:
    return faked.accounts.events(item["tenant_id"], ACCOUNT_ID)[-1].details


def test_the_sweep_names_the_debtors_holidays_for_the_coming_days():
    _faked, _calendar, item = arranged(frozenset({date(2026, 12, 3), date(2026, 12, 31)}))

    assert item["holidays"] == {"country": "ES", "region": None, "from": "2026-11-30", "to": "2026-12-09",
                                "holidays": ["2026-12-03"]}


def test_the_worker_sends_without_asking_the_calendar_when_the_hint_covers_today():
    faked, calendar, item = arranged()

    outcome = worker(faked, item)

    assert outcome.kind == "sent" and len(faked.email.sent) == 1
    assert calendar.asked == 0


def test_a_message_without_the_hint_still_asks_the_calendar_and_sends_alike():
    faked, calendar, item = arranged()

    outcome = worker(faked, item, hint=False)

    assert outcome.kind == "sent" and len(faked.email.sent) == 1
    assert calendar.asked > 0


def test_a_holiday_in_the_hint_holds_the_reminder_exactly_as_the_calendar_does():
    hinted, hinted_calendar, hinted_item = arranged(frozenset({NOW.date()}))
    asked, _calendar, asked_item = arranged(frozenset({NOW.date()}))

    held, before = worker(hinted, hinted_item), worker(asked, asked_item, hint=False)

    assert (held.kind, held.reason) == ("deferred", "public_holiday")
    assert (held.kind, held.reason, held.until) == (before.kind, before.reason, before.until)
    assert audit_details(hinted, hinted_item) == audit_details(asked, asked_item)
    assert hinted.email.sent == [] and hinted_calendar.asked == 0


def test_a_day_past_the_hint_gets_the_calendars_answer():
    later = NOW + timedelta(days=9)  # the message waited in the queue longer than the hint reaches
    faked, calendar, item = arranged(frozenset({later.date()}))
    faked.clock.set(later)

    outcome = worker(faked, item)

    assert (outcome.kind, outcome.reason) == ("deferred", "public_holiday")
    assert calendar.asked > 0
