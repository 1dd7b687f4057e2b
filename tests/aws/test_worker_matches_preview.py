"""The preview and the worker share one `decide`: over 60 simulated days, the sweep running every 15 minutes
sends exactly what the preview says, at the same instants, on the same channels, with the same templates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.adapters.clock import FixedClock
from chalicelib.adapters.holiday_calendar import holiday_checker
from chalicelib.bootstrap import Container
from chalicelib.domain.accounts import PendingThanks
from chalicelib.domain.policies import STANDARD
from chalicelib.domain.schedule import refresh_schedule
from chalicelib.domain.simulation import simulate
from chalicelib.domain.times import iso
from chalicelib.inputs.flags import FlagIn
from chalicelib.inputs.parsing import parse
from tests.support.samples import account
from tests.support.sweeps import Sent, worker_sends

START = datetime.fromisoformat("2026-11-23T00:00:00+00:00")  # a Monday
DAYS = 60


def invoice(due_on: str) -> list[dict[str, Any]]:
    return [{**account()["invoices"][0], "due_on": due_on, "issued_on": "2026-11-01"}]


ACCOUNTS = {
    # Madrid: 8 December is a Spanish holiday, so the +1 reminder waits a day; SMS with consent
    "madrid-holiday": account(invoices=invoice("2026-12-07")),
    # New York, in English, no SMS consent: the SMS step is withheld and spent
    "new-york": account(timezone="America/New_York", country="US", locale="en-US", sms_consent=None,
                        phone="+12125550100", invoices=invoice("2026-11-25")),
    # Tokyo: a day ahead of everyone else
    "tokyo": account(timezone="Asia/Tokyo", country="JP", locale="en-US", phone="+819012345678",
                     invoices=invoice("2026-11-30")),
    # Disputed until 10 December: everything waits, then resumes
    "disputed": account(invoices=invoice("2026-11-20")),
    # Money went back: a person decides; its pending thank-you is dropped
    "held": account(invoices=invoice("2026-11-26")),
    # A payment came in late in the evening: the thank-you waits for the morning, reminders go on
    "thanked": account(invoices=invoice("2026-12-01")),
}


def _set_up(aws: Any, tenant_id: str) -> None:
    app = Container(aws.settings, clock=FixedClock(START))
    for account_id, body in ACCOUNTS.items():
        app.accounts.upsert(tenant_id, account_id, body, "test")
    app.accounts.set_flag(tenant_id, "disputed", parse(FlagIn, {"flag": "dispute", "active": True,
                                                                "until": "2026-12-10"}), "test")
    repository = app.account_repository
    for account_id, changes in {
        "held": {"hold_reason": "chargeback", "pending_thanks": PendingThanks("stripe:pi_h:evt_h", START)},
        "thanked": {"pending_thanks": PendingThanks("stripe:pi_t:evt_t", START + timedelta(hours=21, minutes=30))},
    }.items():
        current = repository.get(tenant_id, account_id)
        for name, value in changes.items():
            setattr(current, name, value)
        refresh_schedule(current, STANDARD)
        repository.save(current)


def _worker_sends(tenant_id: str, aws: Any) -> Sent:
    return worker_sends(aws, tenant_id, ACCOUNTS, START, DAYS, iso)


def _preview_sends(accounts: dict[str, Any]) -> dict[str, list[tuple[str, str | None, str | None]]]:
    sent: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for account_id, current in accounts.items():
        messages = simulate(current, STANDARD, START, DAYS, holiday_checker)
        sent[account_id] = [(m["at"], None, "escalate") if m.get("action") else (m["at"], m["channel"], m["template"])
                            for m in messages if m["withheld"] is None]
    return sent


def test_the_worker_sends_what_the_preview_shows_over_sixty_days(aws, tenant):
    tenant_id = tenant["tenant_id"]
    _set_up(aws, tenant_id)
    at_start = {account_id: aws.account_repository.get(tenant_id, account_id) for account_id in ACCOUNTS}

    previewed = _preview_sends(at_start)
    worked = _worker_sends(tenant_id, aws)

    assert worked == previewed
    # The scenario exercises what it claims to: a holiday deferral, a thank-you, an escalation, nothing held
    assert ("2026-12-09T08:00:00Z", "email", "gentle_reminder") in worked["madrid-holiday"]
    assert ("2026-11-24T07:00:00Z", "email", "thank_you") in worked["thanked"]
    assert not any(template == "sms_nudge" for _at, _channel, template in worked["new-york"])
    assert any(template == "sms_nudge" for _at, _channel, template in worked["madrid-holiday"])
    assert any(template == "escalate" for _at, _channel, template in worked["disputed"])
    assert worked["held"] == []
