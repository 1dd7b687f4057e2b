"""The debtor's self-service page, reached by the signed link in every message (no login): what is owed and
how to pay it, and the debtor's own choices — a pause, a dispute, how and in which language to be contacted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from msgspec import Struct

from chalicelib.domain import accounts as acc
from chalicelib.domain.accounts import DEBTOR, DISPUTE, Account, Flag, self_pause_allowed
from chalicelib.domain.conflicts import retry_on_conflict
from chalicelib.domain.courtesy import EMAIL_QUIET_START, QUIET_END
from chalicelib.domain.disputes import OPENED, can_dispute_one, dispute_invoice
from chalicelib.domain.engagement import VISITED, Signal, remember
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.finance_events import finance_event
from chalicelib.domain.links import PORTAL, linked_account
from chalicelib.domain.page_arrangements import arrangements
from chalicelib.domain.payments import SHOWN_LINES, Payment, shown_lines
from chalicelib.domain.policies import Policy
from chalicelib.domain.ports import AccountRepository, Clock, FinanceNotifier, Links, PolicyBook, TenantLookup
from chalicelib.domain.schedule import local_day, recipient_zones, refresh_schedule
from chalicelib.domain.tenants import Tenant
from chalicelib.domain.times import iso
from chalicelib.domain.what_now import what_now

MAX_NOTE = 1000
# A debtor's action: changes the account (under its policy, at `now`), says what to audit; None if nothing.
Change = Callable[[Account, Policy, datetime], dict[str, Any] | None]
LANGUAGES = ("en", "es", "fr", "de")  # the languages Kindly's messages and pages are written in


class PortalView(Struct, frozen=True):
    account: Account
    tenant: Tenant
    policy: Policy
    now: datetime
    payments: list[Payment] | None = None  # the latest lines of the ledger; None: those the account carries

    @property
    def paused_by(self) -> list[Flag]:
        return self.account.holding_flags(local_day(self.now, recipient_zones(self.account)))

    @property
    def can_pause(self) -> bool:
        return can_pause(self.account, self.policy, self.now)

    @property
    def can_dispute(self) -> bool:
        return self.account.owes_undisputed() and DISPUTE not in {flag.name for flag in self.paused_by}

    @property
    def dispute_choices(self) -> list[dict[str, Any]]:
        """The invoices the debtor may dispute one by one; none to choose from when one invoice is all that is
        owed (disputing it is disputing all of it)."""
        account = self.account
        if not self.can_dispute or len(account.open_invoices()) < 2 or not can_dispute_one(account):
            return []
        return [{"id": inv.invoice_id, "amount": inv.amount, "currency": inv.currency}
                for inv in account.undisputed_invoices()]

    def page(self) -> dict[str, Any]:
        """What the page shows, as plain values for the template (which formats money and dates)."""
        account = self.account
        now = what_now(account, self.policy, self.now)
        disputed = account.disputed_invoice_ids()
        return {
            **arrangements(account, self.policy, self.now),
            "what_now": {"kind": now.kind, "on": now.on, "flag": now.flag},
            "tenant_name": self.tenant.brand,
            "legal_name": self.tenant.name,
            "logo_url": self.tenant.logo_url,
            "accent": self.tenant.accent_color,
            "sender_email": self.tenant.sender_email,
            "support_email": self.tenant.support_email,
            "third_party": self.tenant.role == "third_party",
            "debtor_name": account.name,
            "balances": [(amount, currency) for currency, amount in account.undisputed_balance().items()
                         if amount > 0],
            "invoices": [{"id": inv.invoice_id, "amount": inv.amount, "currency": inv.currency,
                          "due_on": inv.due_on, "pay_url": account.pay_url(inv),
                          "disputed": inv.invoice_id in disputed} for inv in account.open_invoices()],
            "payments": [{"on": local_day(p.at, recipient_zones(account)), "amount": p.signed_amount(),
                          "currency": p.currency, "kind": p.kind}
                         for p in (account.payments if self.payments is None else self.payments)
                         if p.signed_amount() != 0],
            "paused": [{"flag": flag.name, "until": flag.until} for flag in self.paused_by],
            "can_pause": self.can_pause,
            "pause_days": self.policy.hardship_pause_days,
            "can_dispute": self.can_dispute,
            "dispute_choices": self.dispute_choices,
            "has_email": bool(account.email),
            "email_on": bool(account.email) and account.email_suppressed is None,
            "email_bounced": account.email_suppressed in ("bounced", "complained"),
            "has_phone": bool(account.phone) and account.sms_consent is not None,
            "sms_on": bool(account.phone) and account.sms_consent is not None and not account.sms_opted_out,
            "hour_choices": [t.strftime("%H:%M") for t in hour_choices(self.policy)],
            "hours": [t.strftime("%H:%M") for t in account.preferred_hours] if account.preferred_hours else None,
            "language": account.message_locale.split("-")[0].lower(),
            "languages": LANGUAGES,
            "advice": FREE_DEBT_ADVICE.get(account.country or "", ()),
        }


def hour_choices(policy: Policy) -> list[time]:
    """Whole hours a debtor may choose as the edges of their preferred hours: inside the policy's window and
    the guard's 08:00-21:00 (the tenant's window and the law still apply; the debtor narrows them)."""
    first = max(policy.send_window.start, QUIET_END)
    last = min(policy.send_window.end, EMAIL_QUIET_START)
    start_hour = first.hour + (1 if first.minute else 0)
    return [time(hour) for hour in range(start_hour, last.hour + 1)]


def _preferred_hours(form: dict[str, str], policy: Policy) -> tuple[time, time] | None:
    start, end = form.get("hours_from", ""), form.get("hours_until", "")
    if not start and not end:
        return None
    choices = {t.strftime("%H:%M"): t for t in hour_choices(policy)}
    if start not in choices or end not in choices or choices[start] >= choices[end]:
        raise InvalidInput("choose a start hour before the end hour, from the hours offered", "hours_from")
    return choices[start], choices[end]


def can_pause(account: Account, policy: Policy, now: datetime) -> bool:
    """Something is owed, nothing holds reminders already, and the debtor has not had their pause this year."""
    zones = recipient_zones(account)
    today = local_day(now, zones)
    last_pause_day = local_day(account.self_paused_at, zones) if account.self_paused_at else None
    return (policy.hardship_pause_days > 0 and account.owes_anything()
            and self_pause_allowed(last_pause_day, today) and not account.holding_flags(today))


class PortalService:
    def __init__(self, *, accounts: AccountRepository, policies: PolicyBook, tenants: TenantLookup, links: Links,
                 notifier: FinanceNotifier, clock: Clock) -> None:
        self._accounts = accounts
        self._policies = policies
        self._tenants = tenants
        self._links = links
        self._notifier = notifier
        self._clock = clock

    def view(self, token: str) -> PortalView:
        now = self._clock.now()
        account = self._account(token, now)
        tenant = self._tenants.get(account.tenant_id)
        if tenant is None:
            raise NotFound("this link no longer points to an account")
        shown = None
        if account.has_older_lines():
            shown = shown_lines(account.payments,
                                self._accounts.recent_payments(account.tenant_id, account.account_id, SHOWN_LINES))
        return PortalView(account, tenant, self._policies.for_account(account), now, shown)

    # --- the debtor's actions; each is idempotent and audited as the debtor's ---------------------------------
    def pause(self, token: str) -> None:
        """'I need a pause': reminders stop for the policy's hardship days; finance hears of it."""
        def change(account: Account, policy: Policy, now: datetime) -> dict[str, Any] | None:
            today = local_day(now, recipient_zones(account))
            if not can_pause(account, policy, now):
                if account.flags.get("hardship") and account.flags["hardship"].holds_at(today):
                    return None  # already paused: a second click changes nothing
                raise Conflict("a pause cannot be taken from this page right now; please contact us", "pause")
            until = today + timedelta(days=policy.hardship_pause_days)
            account.flags = {**account.flags, "hardship": Flag("hardship", True, now, until, None, DEBTOR)}
            account.self_paused_at = now
            self._notify(account, "hardship_requested", now, {"until": until.isoformat()})
            return {"flag": "hardship", "until": until.isoformat()}

        self._act(token, "flag_set", change)

    def dispute(self, token: str, note: str, invoice: str = "") -> None:
        """'I don't think I owe this': collection pauses until a person looks (FDCPA 1692g(b)); finance is told.
        `invoice` names the one invoice disputed ("" or "all": all of it); the others go on."""
        cleaned = _clean_note(note)
        if invoice not in ("", "all"):
            self._dispute_invoice(token, invoice, cleaned)
            return

        def change(account: Account, policy: Policy, now: datetime) -> dict[str, Any] | None:
            current = account.flags.get(DISPUTE)
            if current is not None and current.active:
                return None
            account.flags = {**account.flags, DISPUTE: Flag(DISPUTE, True, now, None, cleaned, DEBTOR)}
            self._notify(account, OPENED, now, {})
            return {"flag": DISPUTE, "until": None, "note_given": bool(cleaned)}

        self._act(token, "flag_set", change)

    def _dispute_invoice(self, token: str, invoice_id: str, note: str | None) -> None:
        def change(account: Account, policy: Policy, now: datetime) -> dict[str, Any] | None:
            if invoice_id not in {inv.invoice_id for inv in account.open_invoices()}:
                raise InvalidInput("choose one of the invoices listed", "invoice")  # edited in the browser
            made = dispute_invoice(account, invoice_id, True, now, note, DEBTOR)
            if made is None:
                return None  # already disputed: a second click changes nothing
            self._notify(account, OPENED, now, {"invoice_id": invoice_id})
            return made[1]

        self._act(token, OPENED, change)

    def preferences(self, token: str, form: dict[str, str]) -> None:
        """Language and channels, as the debtor chose them. An unchecked box stops that channel; a checked one
        only restarts what the debtor stopped themselves (never a bounce, or SMS without consent)."""
        language = form.get("language", "")
        if language not in LANGUAGES:
            raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}", "language")

        def change(account: Account, policy: Policy, now: datetime) -> dict[str, Any] | None:
            before = (account.preferred_locale, account.email_suppressed, account.sms_opted_out,
                      account.preferred_hours)
            account.preferred_hours = _preferred_hours(form, policy)
            account.preferred_locale = language if language != account.locale.split("-")[0].lower() else None
            wants_email, wants_sms = form.get("email") == "on", form.get("sms") == "on"
            if not wants_email and account.email and account.email_suppressed is None:
                account.email_suppressed = "unsubscribed"
            elif wants_email and account.email_suppressed == "unsubscribed":
                account.email_suppressed = None
            if account.phone and account.sms_consent is not None:  # the page offers SMS only with consent
                account.sms_opted_out = not wants_sms
            after = (account.preferred_locale, account.email_suppressed, account.sms_opted_out,
                     account.preferred_hours)
            if after == before:
                return None
            return {"language": account.message_locale, "email_suppressed": account.email_suppressed,
                    "sms_opted_out": account.sms_opted_out,
                    "preferred_hours": account.to_dict()["contact"]["preferred_hours"]}

        self._act(token, "preferences_changed", change)

    # --- shared plumbing ----------------------------------------------------------------------------------------
    def _act(self, token: str, event_type: str, change: Change) -> None:
        retry_on_conflict(lambda: self._act_once(token, event_type, change))

    def _act_once(self, token: str, event_type: str, change: Change) -> None:
        now = self._clock.now()
        account = self._account(token, now)
        policy = self._policies.for_account(account)
        details = change(account, policy, now)
        if details is None:
            return
        refresh_schedule(account, policy)
        if account.state == acc.ACTIVE and account.holding_flags(local_day(now, recipient_zones(account))):
            account.state = acc.PAUSED
        account.updated_at = now
        account.engagement = remember(account.engagement, Signal(now, VISITED))  # when they act (engagement.py)
        account.record(now, event_type, DEBTOR, {
            **details, "next_action_at": iso(account.next_action_at) if account.next_action_at else None})
        self._accounts.save(account)

    def _notify(self, account: Account, event_type: str, now: datetime, extra: dict[str, Any]) -> None:
        """Told before the save: a retry after a failed save tells finance again (at least once)."""
        about = f"audit:{account.audit_head.seq + 1}"  # the audit event recorded with it: the same on a retry
        self._notifier.publish(account.tenant_id, finance_event(
            event_type, account.tenant_id, account.account_id, now, about=about,
            balance=account.balance(), source="self_service", **extra))

    def _account(self, token: str, now: datetime) -> Account:
        return linked_account(self._links.read(token, PORTAL, now), self._accounts.get)


def _clean_note(note: str) -> str | None:
    text = " ".join((note or "").split())
    if len(text) > MAX_NOTE:
        raise InvalidInput(f"the note is longer than {MAX_NOTE} characters", "note")
    return text or None


# Free, independent debt advice by the debtor's country (SPEC 8): charities and public bodies only.
FREE_DEBT_ADVICE = {
    "GB": (("MoneyHelper", "https://www.moneyhelper.org.uk"), ("StepChange", "https://www.stepchange.org")),
    "IE": (("MABS", "https://www.mabs.ie"),),
    "US": (("NFCC", "https://www.nfcc.org"),),
    "ES": (("Banco de España: Portal del Cliente Bancario", "https://clientebancario.bde.es"),),
    "FR": (("Banque de France", "https://particuliers.banque-france.fr"),),
    "DE": (("Verbraucherzentrale", "https://www.verbraucherzentrale.de"),),
}
