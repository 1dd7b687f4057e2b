"""The daily summary email to finance (a tenant setting, off by default): once a local day, in the hour before the
tenant's first send window opens, the forecast of the next 24 hours counted (domain/daily_summary.py), sent through
the email sender port. A marker per tenant and local day, written only if absent, keeps it to one a day; it is
taken back when the email cannot be sent, so the next run tries again. Logs carry tenant ids and counts only."""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.domain.daily_summary import first_opening, summary_due, summary_email
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.ports import (
    Clock,
    DailySummaries,
    EmailSender,
    Forecasts,
    HeldSweeps,
    PolicyEditing,
    TenantLookup,
)
from chalicelib.domain.schedule import zone
from chalicelib.domain.tomorrow import breaker_words, summarise

log = logging.getLogger("kindly.daily_summary")


class DailySummary:
    def __init__(self, *, summaries: DailySummaries, tenants: TenantLookup, policies: PolicyEditing,
                 forecasts: Forecasts, held_sweeps: HeldSweeps, email: EmailSender, clock: Clock,
                 console_url: str) -> None:
        self._summaries = summaries
        self._tenants = tenants
        self._policies = policies
        self._forecasts = forecasts
        self._held = held_sweeps
        self._email = email
        self._clock = clock
        self._console_url = console_url

    def set_address(self, tenant_id: str, address: str) -> str | None:
        """Where the tenant's daily summary goes ('' stops it); the address as kept. InvalidInput for one that is
        not an email address, NotFound for an unknown tenant; nothing is written then."""
        if self._tenants.get(tenant_id) is None:
            raise NotFound(f"no tenant {tenant_id!r}", "tenant")
        kept = summary_address(address)
        self._summaries.set_address(tenant_id, kept)
        return kept

    def address(self, tenant_id: str) -> str | None:
        return self._summaries.address(tenant_id)

    def send_due(self) -> dict[str, int]:
        """Send each tenant's summary that is due now and not yet sent today; how many were sent and failed."""
        now = self._clock.now()
        sent = failed = 0
        for tenant_id, address in self._summaries.addresses():
            tenant = self._tenants.get(tenant_id)
            if tenant is None:
                continue
            local = now.astimezone(zone(tenant.timezone))
            opens = first_opening([policy.send_window.start for policy in self._policies.all_latest(tenant_id)])
            if not summary_due(local, opens) or not self._summaries.claim_day(tenant_id, local.date()):
                continue
            try:
                self._send(tenant_id, tenant.brand, tenant.sender_email, address, local.date().isoformat())
            except Exception:  # noqa: BLE001 - one tenant's failure must not stop the others' summaries
                self._summaries.release_day(tenant_id, local.date())
                log.exception("daily summary not sent", extra={"tenant_id": tenant_id})
                failed += 1
                continue
            sent += 1
        return {"sent": sent, "failed": failed}

    def _send(self, tenant_id: str, brand: str, sender: str, address: str, day: str) -> None:
        forecast = self._forecasts.forecast(tenant_id, 24)
        summary = summarise(forecast)
        holds: list[dict[str, Any]] = self._held.held(tenant_id)["holds"]
        message = summary_email(brand, day, summary, breaker_words(forecast["breaker"]), holds, self._console_url)
        self._email.send(sender=sender, sender_name=f"{brand} finance console", recipient=address, message=message,
                         tags={"tenant_id": tenant_id, "purpose": "daily_summary"})
        log.info("daily summary sent", extra={"tenant_id": tenant_id, "sending": summary.sending,
                                              "held_back": summary.holding})


def summary_address(address: str) -> str | None:
    """The address as kept (normalised), None for '' (the summary stops); InvalidInput for a bad address."""
    from email_validator import EmailNotValidError, validate_email

    if not address.strip():
        return None
    try:
        return str(validate_email(address.strip(), check_deliverability=False, allow_smtputf8=False).normalized)
    except EmailNotValidError as exc:
        raise InvalidInput(f"the daily summary address is not a valid email address ({exc})",
                           "daily_summary_to") from exc
