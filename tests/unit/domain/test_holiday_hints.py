"""The sweep's holiday hint (domain.holiday_hints): made from the calendar for the debtor's place and the coming
days; the hinted calendar answers those days from it without asking the real calendar, and asks it for any
other day or place, or when the hint is missing or does not read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.holiday_hints import HintedCalendar, holiday_hint, with_hint
from tests.fakes import FakeHolidays

SWEPT = datetime(2026, 12, 24, 23, 30, tzinfo=UTC)
CHRISTMAS, BOXING_DAY, NEW_YEAR = date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1)


class Asked:
    """A calendar that counts the places it is asked for and the days it answers."""

    def __init__(self, calendar: FakeHolidays) -> None:
        self.calendar = calendar
        self.places: list[tuple[str | None, str | None]] = []
        self.days: list[date] = []

    def __call__(self, country: str | None, region: str | None) -> Callable[[date], bool]:
        self.places.append((country, region))
        is_holiday = self.calendar(country, region)

        def answer(day: date) -> bool:
            self.days.append(day)
            return is_holiday(day)

        return answer


def calendar() -> FakeHolidays:
    return FakeHolidays({"GB": {CHRISTMAS, BOXING_DAY, NEW_YEAR}, "GB-SCT": {date(2027, 1, 2)}, "ES": {CHRISTMAS}})


def test_the_hint_lists_the_places_holidays_from_utcs_yesterday_to_a_week_ahead():
    hint = holiday_hint(calendar(), "GB", "SCT", SWEPT)

    assert hint == {"country": "GB", "region": "SCT", "from": "2026-12-23", "to": "2027-01-01",
                    "holidays": ["2026-12-25", "2026-12-26", "2027-01-01"]}
    assert holiday_hint(calendar(), None, None, SWEPT) is None  # no country, no holidays to name


def test_the_days_the_hint_covers_are_answered_without_the_real_calendar():
    asked = Asked(calendar())
    hinted = with_hint(asked, holiday_hint(calendar(), "GB", None, SWEPT))

    is_holiday = hinted("GB", None)

    assert [is_holiday(CHRISTMAS), is_holiday(date(2026, 12, 28)), is_holiday(NEW_YEAR)] == [True, False, True]
    assert asked.places == [] and asked.days == []


def test_a_day_outside_the_hint_asks_the_real_calendar_once_for_the_place():
    later = FakeHolidays({"GB": {date(2027, 1, 4)}})  # the real calendar knows a holiday the hint never saw
    asked = Asked(later)
    is_holiday = with_hint(asked, holiday_hint(calendar(), "GB", None, SWEPT))("GB", None)

    assert is_holiday(date(2027, 1, 4)) is True
    assert is_holiday(date(2027, 1, 5)) is False
    assert is_holiday(CHRISTMAS) is True  # still the hint's answer
    assert asked.places == [("GB", None)] and asked.days == [date(2027, 1, 4), date(2027, 1, 5)]


def test_another_place_than_the_hints_asks_the_real_calendar():
    asked = Asked(calendar())
    hinted = with_hint(asked, holiday_hint(calendar(), "GB", None, SWEPT))

    assert hinted("GB", "SCT")(date(2027, 1, 2)) is True  # the debtor moved to Scotland after the sweep
    assert hinted("ES", None)(BOXING_DAY) is False
    assert asked.places == [("GB", "SCT"), ("ES", None)]


@pytest.mark.parametrize("hint", [
    None, "GB", [], {}, {"country": "GB", "region": None, "from": "2026-12-23", "to": "2027-01-01"},
    {"country": "GB", "region": None, "from": "24/12/2026", "to": "2027-01-01", "holidays": []},
    {"country": "GB", "region": None, "from": "2026-12-23", "to": "2027-01-01", "holidays": "2026-12-25"},
    {"country": "GB", "region": None, "from": "2026-12-23", "to": "2027-01-01", "holidays": [20261225]},
    {"country": 44, "region": None, "from": "2026-12-23", "to": "2027-01-01", "holidays": []},
    {"country": "GB", "region": ["SCT"], "from": "2026-12-23", "to": "2027-01-01", "holidays": []},
])
def test_a_missing_or_unreadable_hint_leaves_the_real_calendar(hint):
    real = calendar()
    assert with_hint(real, hint) is real


@given(st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)),
       st.integers(min_value=-3, max_value=12))
def test_the_hinted_calendar_answers_every_day_as_the_real_one(swept, offset):
    real = FakeHolidays({"GB": {(swept + timedelta(days=n)).date() for n in (-1, 0, 2, 5, 9, 11)}})
    hinted = with_hint(real, holiday_hint(real, "GB", None, swept))
    assert isinstance(hinted, HintedCalendar)

    day = swept.date() + timedelta(days=offset)
    assert hinted("GB", None)(day) == real("GB", None)(day)
