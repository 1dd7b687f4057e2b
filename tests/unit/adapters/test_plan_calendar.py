"""The plan_confirmed email carries the plan as an .ics file: one all-day event per instalment on its due date,
named after the creditor and the amount, nothing else about the debtor; SES sends it as an attachment."""

from __future__ import annotations

import email
from datetime import date, timedelta
from email.policy import default

import pytest
from icalendar import Calendar

from chalicelib.adapters.email_ses import SesEmail
from chalicelib.adapters.templates_jinja import JinjaRenderer
from tests.unit.adapters.test_email_ses import RecordingSes
from tests.unit.adapters.test_plan_templates import make_ctx, schedule

pytestmark = pytest.mark.unit

ROWS = schedule(4900, "EUR", count=3, missed=None)


@pytest.fixture(scope="module")
def renderer() -> JinjaRenderer:
    return JinjaRenderer()


def events(message):
    [attachment] = message.attachments
    assert (attachment.filename, attachment.content_type) == ("payment-plan.ics", "text/calendar")
    return Calendar.from_ical(attachment.data).walk("VEVENT")


def test_one_all_day_event_per_instalment_naming_the_creditor_and_the_amount(renderer):
    message = renderer.render(make_ctx("plan_confirmed", "email", "es-ES", plan=True, offer=False, instalments=ROWS))

    found = events(message)
    assert [e.decoded("dtstart") for e in found] == [row.due_on for row in ROWS]
    assert all(e.decoded("dtend") == e.decoded("dtstart") + timedelta(days=1) for e in found)
    assert all(type(e.decoded("dtstart")) is date for e in found)  # a date, not a time: all day
    assert str(found[0]["summary"]) == "Acme Cloud: pagar 16,34\xa0€ (pago 1 de 3)"
    assert len({str(e["uid"]) for e in found}) == 3
    ics = message.attachments[0].data.decode()
    assert "Ana" not in ics and "García" not in ics and "acc_" not in ics  # no personal data, no ids


def test_the_same_plan_gets_the_same_uids_so_a_second_import_updates_rather_than_doubles(renderer):
    ctx = make_ctx("plan_confirmed", "email", "en-GB", plan=True, offer=False, instalments=ROWS)
    assert [str(e["uid"]) for e in events(renderer.render(ctx))] == \
        [str(e["uid"]) for e in events(renderer.render(ctx))]


@pytest.mark.parametrize("template", ["instalment_heads_up", "plan_ended"])
def test_other_plan_messages_carry_no_calendar(renderer, template):
    assert renderer.render(make_ctx(template, "email", "en-GB", plan=True, offer=False)).attachments == ()


def test_ses_sends_the_calendar_beside_the_text_and_html(renderer):
    message = renderer.render(make_ctx("plan_confirmed", "email", "fr-FR", plan=True, offer=False, instalments=ROWS))
    ses = RecordingSes()
    SesEmail(ses, None).send(sender="billing@acme.example.com", sender_name="Acme", recipient="ana@example.com",
                             message=message, tags={})

    sent = email.message_from_bytes(ses.requests[0]["Content"]["Raw"]["Data"], policy=default)
    assert sent.get_content_type() == "multipart/mixed"
    assert sent.get_body(("plain",)) is not None and sent.get_body(("html",)) is not None
    [attached] = list(sent.iter_attachments())
    assert attached.get_filename() == "payment-plan.ics" and attached.get_content_type() == "text/calendar"
    assert len(Calendar.from_ical(attached.get_payload(decode=True)).walk("VEVENT")) == 3
