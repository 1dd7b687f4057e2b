"""Payments: processors' webhooks move money on the account's ledger; reminders follow from the balance.

Per webhook event: one read to find the account by a processor ref (none when the event names the Kindly
account), one read of the account, one transaction writing it with its audit event and its ledger line (in
the payments collection; the account item keeps the recent lines and the sums). A refund of a payment older
than the recent lines reads that line too. An event for an account not known yet is parked (parking_keys) and
applied when intake upserts the account (apply_waiting).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from chalicelib.domain import accounts as acc
from chalicelib.domain.accounts import Account, PendingThanks, found_account
from chalicelib.domain.arrangements import follow_money
from chalicelib.domain.conflicts import retry_on_conflict
from chalicelib.domain.errors import Conflict, InvalidInput, Unauthenticated
from chalicelib.domain.finance_events import finance_event
from chalicelib.domain.payments import (
    APPLIED,
    MONEY_BACK,
    SUCCEEDED,
    UNCHANGED,
    Payment,
    PaymentEvent,
    brings_money,
    ledger_amount,
    line_for,
    lookup_keys,
    parked_key,
    parking_keys,
    record_payment,
    terms,
)
from chalicelib.domain.plans import ENDED, PlanLimits
from chalicelib.domain.ports import (
    AccountRepository,
    Clock,
    FinanceNotifier,
    ParkedPayments,
    PolicyBook,
    WebhookSecrets,
)
from chalicelib.domain.schedule import local_day, recipient_zones, refresh_schedule
from chalicelib.domain.times import iso
from chalicelib.inputs.ids import check_account_id, is_plausible_id
from chalicelib.inputs.parsing import parse
from chalicelib.inputs.secrets import WebhookSecretIn

Parser = Callable[[bytes, Mapping[str, str], str], list[PaymentEvent]]
FINANCE_EVENTS = {"refund": "refund", "chargeback": "chargeback"}
NO_ACCOUNT = "no_matching_account"  # nothing names an account: the event carries no id to wait under
HELD_FOR_ACCOUNT = "held_for_account"  # kept until intake brings the account it names
PARKED_FOR = timedelta(days=90)  # then DynamoDB's TTL forgets it: the billing system never sent the account


class EventResult(Struct, frozen=True):
    event_id: str
    kind: str
    outcome: str  # applied | unchanged | stale | held_for_account | no_matching_account
    account_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "kind": self.kind, "outcome": self.outcome}


class PaymentService:
    def __init__(self, *, accounts: AccountRepository, secrets: WebhookSecrets, policies: PolicyBook,
                 notifier: FinanceNotifier, clock: Clock,
                 parser_for: Callable[[str], Parser], parked: ParkedPayments) -> None:
        self._accounts = accounts
        self._parked = parked
        self._secrets = secrets
        self._policies = policies
        self._notifier = notifier
        self._clock = clock
        self._parser_for = parser_for

    # --- the tenant's secrets ---------------------------------------------------------------------
    def put_secret(self, tenant_id: str, provider: str, body: str | bytes | dict[str, Any]) -> None:
        self._parser_for(provider)  # an unknown provider is a 404 before anything is stored
        secret = parse(WebhookSecretIn, body).secret
        if provider == "standard":
            _check_standard_secret(secret)
        self._secrets.put(tenant_id, provider, secret)

    # --- webhooks -----------------------------------------------------------------------------------
    def receive(self, tenant_id: str, provider: str, body: bytes, headers: Mapping[str, str]) -> list[EventResult]:
        """Verify the processor's signature, then apply each event once. Raises Unauthenticated (bad or missing
        signature, stale timestamp, no secret set) or InvalidInput (unreadable body) before writing anything."""
        parse_events = self._parser_for(provider)
        secret = self._secrets.get(tenant_id, provider) if is_plausible_id(tenant_id) else None
        if secret is None:
            raise Unauthenticated(f"no {provider} webhook secret is set for this tenant", "provider")
        return [self._apply(tenant_id, event) for event in parse_events(body, headers, secret)]

    def _apply(self, tenant_id: str, event: PaymentEvent) -> EventResult:
        """Apply the event to its account; when no account of the tenant carries what it names yet, keep it
        until one arrives, rather than drop the money. Parked first and then looked for again: an account that
        arrived meanwhile, after its intake looked for waiting payments, is found here, so nothing is left behind."""
        result = self._apply_found(tenant_id, event)
        keys = _parking_keys(tenant_id, event)
        if not _waits_for_account(result) or not keys:
            return result
        self._parked.park(tenant_id, keys, event, self._clock.now() + PARKED_FOR)
        result = self._apply_found(tenant_id, event)
        if _waits_for_account(result):
            return EventResult(event.event_id, event.kind, HELD_FOR_ACCOUNT)
        self._parked.release(keys, event)
        return result

    def apply_waiting(self, account: Account) -> bool:
        """Intake calls this after each upsert of an account: payments that came before it are applied the way a
        webhook would apply them (audited, thanked, once), then forgotten. True if any was applied."""
        waiting: dict[str, PaymentEvent] = {}
        for key in sorted(account.parking_keys()):
            waiting |= {parked_key(event): event for event in self._parked.waiting(account.tenant_id, key)}
        applied = False
        for event in sorted(waiting.values(), key=lambda e: (e.occurred_at, parked_key(e))):
            result = self._apply_found(account.tenant_id, event)
            if not _waits_for_account(result):
                self._parked.release(_parking_keys(account.tenant_id, event), event)
                applied = applied or result.outcome == APPLIED
        return applied

    def _apply_found(self, tenant_id: str, event: PaymentEvent) -> EventResult:
        account_id = self._find(tenant_id, event)
        if account_id is None:
            return EventResult(event.event_id, event.kind, NO_ACCOUNT)
        return retry_on_conflict(lambda: self._apply_reading_lines(tenant_id, account_id, event))

    def _apply_reading_lines(self, tenant_id: str, account_id: str, event: PaymentEvent) -> EventResult:
        """The event's line is taken for new when it is not among the account's recent lines (no read): the save
        then refuses it if the payments collection holds it after all, and the event is applied again with it."""
        try:
            return self._apply_once(tenant_id, account_id, event, read_own_line=False)
        except Conflict as exc:
            if exc.field != "payment_line":
                raise
            return self._apply_once(tenant_id, account_id, event, read_own_line=True)

    def _known_lines(self, account: Account, event: PaymentEvent, read_own_line: bool) -> list[Payment]:
        """The account's recent lines, with those of the collection the event needs: its own (when asked, and
        always for money sent back, so a redelivered refund never tells finance twice) and, for money sent back,
        the payment it takes back."""
        lines = list(account.payments)
        if account.ledger_sums().lines <= len(lines):
            return lines  # every line is here
        keys = [(event.provider, event.payment_ref, event.kind)] if read_own_line or event.kind in MONEY_BACK else []
        if event.kind in MONEY_BACK:
            keys.append((event.provider, event.payment_ref, SUCCEEDED))
        have = {line.key for line in lines}
        for key in keys:
            found = None if key in have else self._accounts.payment_line(account.tenant_id, account.account_id, key)
            if found is not None:
                lines.append(found)
        return lines

    def _find(self, tenant_id: str, event: PaymentEvent) -> str | None:
        if event.account_ref is not None:
            return event.account_ref if is_plausible_id(event.account_ref) else None
        for key in lookup_keys(tenant_id, event):
            found = self._accounts.account_for_ref(key)
            if found is not None and found[0] == tenant_id:
                return found[1]
        return None

    def _apply_once(self, tenant_id: str, account_id: str, event: PaymentEvent, read_own_line: bool
                    ) -> EventResult:
        account = self._accounts.get(tenant_id, account_id)
        if account is None or not account.is_named_by(event):
            return EventResult(event.event_id, event.kind, NO_ACCOUNT)
        known = self._known_lines(account, event, read_own_line)
        line_guessed_new = not read_own_line and account.has_older_lines()
        event, invoice_id = terms(account, event, known)
        if event.currency is None:  # owes nothing and the processor named no currency: no invoice it could pay
            return EventResult(event.event_id, event.kind, NO_ACCOUNT, account_id)
        recorded = line_for(known, event)
        ledger, outcome = record_payment(known, event, invoice_id, event.amount or 0)
        if outcome == UNCHANGED and ledger != known:
            account.post_lines(known, ledger)  # the same money under another event id: remembered, so its replay
            self._accounts.save(account)  # is known
        if outcome != APPLIED:
            return EventResult(event.event_id, event.kind, outcome, account_id)  # no money moved: nothing audited
        now = self._clock.now()
        before, owed_before = account.balance(), account.undisputed_balance()
        account.post_lines(known, ledger)
        if event.kind in MONEY_BACK:
            # SPEC: balance reopened, finance told, and no automatic reminder until a person decides. Told
            # first: if the save then fails, the processor's retry tells finance again (at least once).
            account.hold_reason, account.pending_thanks = event.kind, None
            self._notifier.publish(tenant_id, {
                "type": FINANCE_EVENTS[event.kind], "tenant_id": tenant_id, "account_id": account_id,
                "at": iso(now), "event_id": event.event_id, "provider": event.provider,
                "amount": ledger_amount(ledger, event), "currency": event.currency, "balance": account.balance(),
            })
        if brings_money(ledger, event, recorded):  # thanked once per payment
            account.pending_thanks = PendingThanks(f"{event.provider}:{event.payment_ref}:{event.event_id}", now)
        policy = self._policies.for_account(account)
        followed = follow_money(account, owed_before, local_day(event.occurred_at, recipient_zones(account)),
                                PlanLimits.of(policy).grace_days, now)
        if followed.settled is not None:
            if line_guessed_new:  # finance is never told of a settlement a redelivery only seemed to make
                raise Conflict("the payment's own line must be read before a settlement is told", "payment_line")
            settled = followed.settled
            self._notifier.publish(tenant_id, finance_event(
                "settled_for_less", tenant_id, account_id, now, about=f"{event.provider}:{event.event_id}",
                amount_paid=settled.paid, forgiven=settled.forgiven, currency=settled.currency))
        refresh_schedule(account, policy)
        account.updated_at = now
        account.record(now, event.kind, f"webhook:{event.provider}", {
            "event_id": event.event_id, "payment_ref": event.payment_ref, "occurred_at": iso(event.occurred_at),
            "amount": ledger_amount(ledger, event), "currency": event.currency, "invoice_id": invoice_id,
            "balance_before": before, "balance": account.balance(), "state": account.state,
            "next_action_at": iso(account.next_action_at) if account.next_action_at else None,
            **_plan_details(account),
        })
        for type_, details in followed.events:
            account.record(now, type_, f"webhook:{event.provider}", details | {"event_id": event.event_id})
        self._accounts.save(account)
        return EventResult(event.event_id, event.kind, APPLIED, account_id)

    # --- a person decides after money went back ---------------------------------------------------------
    def resume(self, tenant_id: str, account_id: str, actor: str) -> Account:
        check_account_id(account_id)
        return retry_on_conflict(lambda: self._resume_once(tenant_id, account_id, actor))

    def _resume_once(self, tenant_id: str, account_id: str, actor: str) -> Account:
        account = found_account(self._accounts.get(tenant_id, account_id), account_id)
        if account.state not in (acc.HELD, acc.ESCALATED):
            raise Conflict(f"the account is {account.state}, not held or escalated; nothing to resume", "state")
        now = self._clock.now()
        held = account.hold_reason or account.state
        account.hold_reason, account.state = None, acc.ACTIVE
        refresh_schedule(account, self._policies.for_account(account))
        account.updated_at = now
        account.record(now, "resumed", actor, {
            "was": held, "state": account.state,
            "next_action_at": iso(account.next_action_at) if account.next_action_at else None,
        })
        self._accounts.save(account)
        return account


def _plan_details(account: Account) -> dict[str, Any]:
    """What a payment left of the plan, for its audit event: how much is paid and what is next."""
    plan = account.plan
    if plan is None or plan.status in ENDED:
        return {}
    next_due = plan.next_due()
    return {"plan_paid": plan.paid, "plan_status": plan.status,
            "plan_next_due_on": next_due.due_on.isoformat() if next_due else None}


def _parking_keys(tenant_id: str, event: PaymentEvent) -> list[str]:
    """Where the event waits; an account id no account could have (too long, odd characters) is not one."""
    plausible = event.account_ref is not None and is_plausible_id(event.account_ref)
    return parking_keys(tenant_id, event if plausible else replace(event, account_ref=None))


def _waits_for_account(result: EventResult) -> bool:
    """No account of the tenant carries what the event names (yet); not one found that has no use for it."""
    return result.outcome == NO_ACCOUNT and result.account_id is None


def _check_standard_secret(secret: str) -> None:
    from standardwebhooks.webhooks import Webhook

    try:
        Webhook(secret)
    except Exception as exc:  # noqa: BLE001 - the library raises plain errors for a badly encoded secret
        raise InvalidInput("a Standard Webhooks secret is base64, optionally prefixed whsec_", "secret") from exc

