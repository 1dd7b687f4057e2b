"""Texting hours by where the debtor lives: the states whose own law keeps texts to narrower hours than the federal
8am-9pm (12 CFR 1006.6(b)(1)(i)). The courtesy guard holds an SMS to these hours in the debtor's local time
(courtesy.state_texting_hours_rule); when the region is unknown, the debtor may live in any of the country's
states, so every rule of the country holds (the strictest hours), as every zone of the country does when the
zone is unknown (schedule.recipient_zones).

These statutes are written for telephone solicitation, which texts fall under; applying them to reminders about
a debt is the cautious reading, not a ruling that they govern collection. Check a citation before relying on it."""

from __future__ import annotations

from datetime import date, datetime, time

from msgspec import Struct

SUNDAY = 6


class TextingHours(Struct, frozen=True):
    """One state's hours for a text, local time: from `start` (`sunday_start` on Sundays) until `end`."""

    region: str  # ISO 3166-2
    source: str
    start: time = time.min
    end: time = time.max
    sunday_start: time | None = None

    def opening_on(self, day: date) -> time:
        """The earliest local time a text may arrive on `day`."""
        if day.weekday() == SUNDAY and self.sunday_start is not None:
            return max(self.start, self.sunday_start)
        return self.start

    def allows(self, local: datetime) -> bool:
        return self.opening_on(local.date()) <= local.time() < self.end


STATE_RULES: dict[str, dict[str, TextingHours]] = {  # country -> subdivision code -> hours
    "US": {
        "FL": TextingHours(
            "US-FL", "Fla. Stat. 501.616(6)(a) (Florida Telemarketing Act, as amended in 2021; texts also under the "
            "Florida Telephone Solicitation Act, 501.059): not before 8am or after 8pm local time",
            start=time(8, 0), end=time(20, 0)),
        "CT": TextingHours(
            "US-CT", "Conn. Gen. Stat. 42-288a (as amended by P.A. 23-98, which brought texts in; check the "
            "subsection): not before 9am or after 8pm local time",
            start=time(9, 0), end=time(20, 0)),
        # The section also names 9am-9pm on other days; issue 10 asks for the Sunday rule only, and 9pm is later
        # than the guard's own 8pm SMS stop. Check: Tex. Bus. & Com. Code 301.051 (telephone solicitation).
        "TX": TextingHours(
            "US-TX", "Tex. Bus. & Com. Code 301.051 (check the subsection): not before noon on Sunday",
            sunday_start=time(12, 0)),
    },
}


def texting_hours_for(country: str | None, region: str | None) -> tuple[TextingHours, ...]:
    """The state rules that hold for a debtor in `country` / `region` (the subdivision code, with or without
    the country prefix): that state's, or every one of the country's when the region is unknown."""
    by_region = STATE_RULES.get((country or "").upper(), {})
    if not region:
        return tuple(by_region.values())
    rule = by_region.get(region.rpartition("-")[2].upper())
    return (rule,) if rule is not None else ()
