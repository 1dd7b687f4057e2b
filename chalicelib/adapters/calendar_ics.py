"""A payment plan as an iCalendar file (RFC 5545), built with the `icalendar` library, so the instalment dates
land in the debtor's own calendar: one all-day event per instalment, named after the creditor and the amount,
and nothing else about the debtor."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from chalicelib.domain.messages import Attachment, InstalmentLine

FILENAME = "payment-plan.ics"
PRODID = "-//Kindly//Payment plan//EN"
# The event's title in the debtor's language: the creditor, the amount, which payment of how many.
SUMMARIES = {
    "en": "{tenant}: pay {amount} (payment {n} of {count})",
    "es": "{tenant}: pagar {amount} (pago {n} de {count})",
    "fr": "{tenant} : payer {amount} (paiement {n} sur {count})",
    "de": "{tenant}: {amount} zahlen (Zahlung {n} von {count})",
}


def plan_calendar(instalments: Sequence[InstalmentLine], *, tenant: str, lang: str, uid_seed: str,
                  money: Callable[[int, str], str], stamp: datetime) -> Attachment:
    """The plan's calendar. `uid_seed` makes each event's UID stable, so a calendar that imports the file twice
    updates the events instead of doubling them; it is hashed, so no id travels in the file."""
    from icalendar import Calendar, Event

    summary = SUMMARIES.get(lang, SUMMARIES["en"])
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for line in instalments:
        event = Event()
        digest = hashlib.sha256(f"{uid_seed}\x1f{line.n}\x1f{line.due_on.isoformat()}".encode()).hexdigest()[:32]
        event.add("uid", f"{digest}@kindly")
        event.add("dtstamp", stamp)
        event.add("dtstart", line.due_on)  # a date, not a time: an all-day event on the due date
        event.add("dtend", line.due_on + timedelta(days=1))
        event.add("summary", summary.format(tenant=tenant, amount=money(line.amount, line.currency), n=line.n,
                                            count=len(instalments)))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return Attachment(FILENAME, "text/calendar", calendar.to_ical())
