"""The holiday checker: the package's calendar for a country it knows, none for one it does not."""

from datetime import date

from chalicelib.adapters.holiday_calendar import holiday_checker


def test_a_known_country_and_region_have_their_holidays():
    assert holiday_checker("ES", None)(date(2026, 12, 25))
    assert not holiday_checker("ES", None)(date(2026, 12, 9))
    assert holiday_checker("ES", "MD")(date(2026, 5, 2))  # Madrid's own day, not Spain's
    assert not holiday_checker("ES", None)(date(2026, 5, 2))


def test_a_country_the_package_has_no_calendar_for_has_no_holidays():
    assert not holiday_checker("XX", None)(date(2026, 12, 25))


def test_an_unknown_region_falls_back_to_the_national_calendar():
    assert holiday_checker("ES", "NOWHERE")(date(2026, 12, 25))
