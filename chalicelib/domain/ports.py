"""What the use cases need from the outside world. Adapters implement these (structurally: no adapter
inherits from a port), and the container hands each adapter out typed as its port, so mypy proves the fit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a use case loads the domain modules it works with, not every port's
    from .accounts import Account
    from .audit import StoredEvent
    from .console import ConsoleChange, ConsoleUser, Session, SignInLink
    from .decision import Defer, Notify, Withhold
    from .deliverability import SenderDomain
    from .links import LinkClaims, ShortLink
    from .messages import MessageContext, RenderedMessage
    from .outcomes import Outcome
    from .payments import Payment, PaymentEvent
    from .policies import Policy
    from .segments import PolicyApplied
    from .sending import Message
    from .sms_replies import DebtorReply
    from .sweep_holds import Admission, SweepHold, SweepLimits
    from .tenants import ApiKey, Tenant

DueEntry = tuple[str, str, dict[str, Any] | None]  # (tenant_id, account_id, snapshot or None)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""


class HolidayCalendar(Protocol):
    def __call__(self, country: str | None, region: str | None) -> Callable[[date], bool]:
        """Whether a day is a public holiday where the debtor lives (never, for a country it does not know)."""


class AuditTrail(Protocol):
    """Reading accounts and their stored audit events (audit reports, `kindly audit verify`)."""

    def get(self, tenant_id: str, account_id: str) -> Account | None: ...

    def events(self, tenant_id: str, account_id: str) -> list[StoredEvent]: ...

    def account_ids(self, tenant_id: str) -> Iterator[str]:
        """Every account id of the tenant (reports only)."""


class OutboxReader(Protocol):
    """What the outbox holds about messages already claimed."""

    def message_status(self, tenant_id: str, account_id: str, message_id: str) -> str | None: ...

    def message_attempts(self, tenant_id: str, account_id: str, message_id: str) -> int:
        """How many times the outbox entry was claimed for sending (0 when there is none)."""

    def provider_message_ids(self, tenant_id: str) -> set[str]:
        """The ids SES and SNS gave the tenant's messages (`kindly outbox`; not a hot path)."""

    def sent_as(self, tenant_id: str, account_id: str, provider_message_id: str) -> bool:
        """Whether one of the account's messages went out under this provider id (an SMS reply names the one it
        answers)."""


class PaymentLines(Protocol):
    """The payments collection: every line of an account's ledger, written with the account (save)."""

    def payment_line(self, tenant_id: str, account_id: str, key: tuple[str, str, str]) -> Payment | None:
        """The line for (provider, payment_ref, kind), if the collection holds it."""

    def recent_payments(self, tenant_id: str, account_id: str, limit: int) -> list[Payment]:
        """The account's latest `limit` lines by time, oldest first."""


class AccountRepository(AuditTrail, OutboxReader, PaymentLines, Protocol):
    def save(self, account: Account) -> None:
        """Write the account, its pending audit events and its unsaved ledger lines atomically; Conflict if it
        changed meanwhile (field "payment_line" when a line believed new is already in the collection)."""

    def due(self, at: datetime, shard: int) -> Iterator[DueEntry]:
        """(tenant_id, account_id, snapshot) of accounts whose next action is at or before `at`, from the
        due index; the snapshot (or None) lets the worker skip its own read."""

    def due_of_tenant(self, tenant_id: str, at: datetime) -> Iterator[DueEntry]:
        """The same for one tenant, reading none of the others'."""

    def from_snapshot(self, snapshot: dict[str, Any]) -> Account: ...

    def all_of(self, tenant_id: str) -> Iterator[Account]:
        """Every account of the tenant (reports only)."""

    def account_for_ref(self, ref_key: str) -> tuple[str, str] | None:
        """(tenant_id, account_id) that a processor's customer or invoice id points at."""

    def with_phone(self, phone: str) -> list[Account]:
        """Every account whose number is `phone` (E.164), in every tenant, oldest key first."""

    def add_refs(self, account: Account, ref_keys: set[str]) -> None:
        """Point these processor refs at the account (before saving it)."""

    def claim_message(self, account: Account, message: dict[str, Any], short_link: ShortLink | None = None) -> bool:
        """Save the account and create the outbox entry (and the short link it carries) in one transaction;
        False if the entry already exists (unless its last try was handed back for retry: each claim is a try)."""

    def finish_message(self, account: Account, message_id: str, status: str, details: dict[str, Any]) -> None:
        """Mark the outbox entry and save the account with its audit events, in one transaction."""

    def note_engagement(self, account: Account, message_id: str, what: str, at: datetime) -> bool:
        """The first time a message was delivered / opened / clicked: note `at` on its outbox entry and save the
        account with its audit events, in one transaction; False (nothing written) if there is no such entry or
        it already has that moment. Conflict if the account changed meanwhile."""


class ParkedPayments(Protocol):
    """Verified payment events whose account is not known yet, each kept under every key that may name it."""

    def park(self, tenant_id: str, keys: list[str], event: PaymentEvent, until: datetime) -> None: ...

    def waiting(self, tenant_id: str, key: str) -> list[PaymentEvent]:
        """The tenant's events parked under this key."""

    def release(self, keys: list[str], event: PaymentEvent) -> None: ...


class DebtorReplies(Protocol):
    """Texts from debtors: which inbound messages were already handled, and the words finance may read."""

    def first_sight(self, inbound_id: str, until: datetime) -> bool:
        """Remember the inbound message id until `until`; False (nothing written) if it is remembered already."""

    def forget(self, inbound_id: str) -> None:
        """Its handling failed part way: a redelivery may try again."""

    def keep(self, reply: DebtorReply) -> None:
        """Keep the reply's words under its account until it expires."""

    def replies(self, tenant_id: str, account_id: str, now: datetime) -> list[DebtorReply]:
        """The account's replies not yet expired at `now`, newest first."""


class ShortLinks(Protocol):
    def get(self, code: str) -> ShortLink | None:
        """The short link stored under `code` (written with the message that carries it), if any."""


class LinkSecret(Protocol):
    def value(self) -> bytes:
        """The key that signs self-service and unsubscribe links."""

    def ensure(self) -> bool:
        """Create the secret if it is missing (`kindly init`); True if created."""


class PolicyRepository(Protocol):
    def latest(self, tenant_id: str, name: str) -> Policy | None: ...

    def all_latest(self, tenant_id: str) -> list[Policy]:
        """The latest version of each of the tenant's stored policies (built-in ones are not stored)."""

    def add_version(self, tenant_id: str, policy: Policy, now: datetime) -> Policy: ...

    def versions(self, tenant_id: str, name: str) -> list[Policy]:
        """Every stored version of one policy, oldest first (empty for one never stored)."""


class TenantRepository(Protocol):
    def get(self, tenant_id: str) -> Tenant | None: ...

    def add(self, tenant: Tenant, key: ApiKey) -> None: ...

    def key_by_hash(self, key_hash: str) -> ApiKey | None: ...

    def set_excluded_days(self, tenant_id: str, days: tuple[date, ...]) -> Tenant | None:
        """Replace the tenant's excluded days; the tenant as stored, or None if there is no such tenant."""

    def set_reply_to(self, tenant_id: str, reply_to: str | None) -> Tenant | None:
        """Set (None: clear) where debtors' written replies go; the tenant as stored, or None if there is none."""


class SenderIdentities(Protocol):
    def verify_sender(self, address: str) -> None:
        """Register a tenant's sender address with the email provider (on AWS this starts verification)."""


class SenderDomains(Protocol):
    """A tenant's own sending domain as an SES identity: Easy DKIM and a custom MAIL FROM domain."""

    def set_up(self, domain: str, mail_from_domain: str) -> SenderDomain:
        """Create the domain identity with Easy DKIM (or keep the existing one) and set its MAIL FROM domain;
        what SES then knows of it. Idempotent."""

    def status(self, domain: str) -> SenderDomain | None:
        """What SES knows of the domain identity (DKIM tokens and status, MAIL FROM status); None if none."""


class DnsTxt(Protocol):
    def txt(self, name: str) -> list[str] | None:
        """The TXT strings published at `name` ([] when there are none); None when no DNS resolver answers."""


class EmailSender(SenderIdentities, Protocol):
    def send(
        self, *, sender: str, sender_name: str, recipient: str, message: RenderedMessage, tags: dict[str, str],
        reply_to: str | None = None,
    ) -> str:
        """Send one email (a reply goes to `reply_to` when given); the provider's message id. PermanentSendError
        if refused, Throttled to retry."""


class SmsSender(Protocol):
    def send(self, *, phone: str, text: str, sender_id: str | None, tags: dict[str, str]) -> str:
        """Send one SMS; the provider's message id. PermanentSendError if refused, Throttled to retry."""

    def opt_in(self, phone: str) -> None:
        """The debtor asked for texts again (START): take the number off the provider's own opt-out list, so the
        check before each SMS does not refuse it. Best effort: a provider that refuses is logged, not raised."""


class Renderer(Protocol):
    def render(self, ctx: MessageContext) -> RenderedMessage: ...


class PageRenderer(Protocol):
    def render_page(self, kind: str, locales: list[str], form_action: str | None = None) -> tuple[str, str]:
        """A link page (unsubscribe, broken or expired link); (html, language)."""

    def render_portal(self, page: dict[str, Any], locale: str) -> tuple[str, str]:
        """The self-service page; (html, language)."""


class ConsolePages(Protocol):
    def render_console(self, page: str, context: dict[str, Any]) -> str:
        """One page of the finance console (templates/console/<page>.html.j2), as HTML."""


class Templates(Renderer, PageRenderer, Protocol):
    """Messages and pages from the same templates."""


class WorkQueue(Protocol):
    def send_batch(self, bodies: Iterable[dict[str, Any]]) -> int:
        """Enqueue each body as one work item; how many were enqueued."""


class SweepLedger(Protocol):
    """Per tenant: messages sent per day, the breaker's limits, and the sweep holds (services/breaker.py)."""

    def count_sent(self, tenant_id: str, day: date, messages: int = 1) -> None:
        """Add to the tenant's count for that (UTC) day, atomically."""

    def sent_counts(self, tenant_id: str, first: date, last: date) -> dict[date, int]:
        """The counts of the days from `first` to `last` that have one."""

    def limits(self, tenant_id: str) -> SweepLimits | None: ...

    def set_limits(self, tenant_id: str, limits: SweepLimits) -> None: ...

    def holds(self, tenant_id: str, limit: int = 20) -> list[SweepHold]:
        """The tenant's holds, newest first."""

    def save_hold(self, hold: SweepHold, expected_status: str | None) -> bool:
        """Write the hold if it is new (`expected_status` None) or still in `expected_status`; False otherwise
        (someone else approved or discarded it first), writing nothing."""


class FigureStore(Protocol):
    """Per tenant, the finance figures' aggregate items (domain/figures.py): counters under an item key."""

    def add(self, tenant_id: str, change_id: str, items: dict[str, dict[str, int]]) -> bool:
        """Add the counters to the tenant's items, all at once, unless the change `change_id` (a stream record's
        sequence number) was added already: then nothing, and False."""

    def item(self, tenant_id: str, key: str) -> dict[str, int]:
        """The counters of one item ({} when it does not exist)."""

    def between(self, tenant_id: str, first: str, last: str) -> dict[str, dict[str, int]]:
        """The items whose key is from `first` to `last` (inclusive), by key: one query."""

    def replace(self, tenant_id: str, items: dict[str, dict[str, int]], prefixes: tuple[str, ...]) -> None:
        """Put these items in place of every item of the tenant whose key starts with one of `prefixes`."""


class WebhookSecrets(Protocol):
    def put(self, tenant_id: str, provider: str, secret: str) -> None: ...

    def get(self, tenant_id: str, provider: str) -> str | None: ...


class ConsoleUsers(Protocol):
    """The people of each tenant's finance team; an address is unique per tenant."""

    def add(self, user: ConsoleUser) -> None:
        """Store a new person; Conflict naming `email` if the tenant already has one with that address."""

    def get(self, tenant_id: str, user_id: str) -> ConsoleUser | None: ...

    def with_email(self, email: str) -> list[ConsoleUser]:
        """The person this address is in each tenant that has it (usually one)."""

    def of_tenant(self, tenant_id: str) -> list[ConsoleUser]: ...

    def remove(self, tenant_id: str, user_id: str) -> bool:
        """Forget the person (and their address in that tenant); False if there was none."""


class ConsoleSignIns(Protocol):
    """One-time sign-in links, sign-in counters and open sessions; all expire by themselves."""

    def put_link(self, link: SignInLink) -> None: ...

    def take_link(self, token_hash: str) -> SignInLink | None:
        """The link, consumed: of two racing takes, one gets it; None if unknown or already taken."""

    def count_request(self, key: str, window: str, until: datetime) -> int:
        """Add one to the counter of `key` in `window` (forgotten after `until`); the count after it."""

    def open_session(self, session: Session) -> None: ...

    def is_open(self, tenant_id: str, session_id: str) -> bool: ...

    def close_session(self, tenant_id: str, session_id: str) -> None: ...


class ConsoleChanges(Protocol):
    """What was changed on a tenant (not on an account) in the console, and by whom."""

    def record(self, tenant_id: str, at: datetime, actor: str, type_: str, details: dict[str, str]) -> None: ...

    def recent(self, tenant_id: str, limit: int) -> list[ConsoleChange]:
        """The latest changes first."""


class SessionKeys(Protocol):
    def keys(self) -> list[bytes]:
        """The keys that sign console sessions: the current one first, then the previous (rotation)."""

    def ensure(self) -> bool:
        """Create the keys if they are missing (`kindly init`); True if created."""

    def rotate(self) -> None:
        """A new current key; the current one stays accepted as the previous until the next rotation."""


class FinanceNotifier(Protocol):
    def publish(self, tenant_id: str, event: dict[str, Any]) -> None:
        """Publish a personal-data-free event to the finance topic, tagged with its tenant."""


class FinanceTopic(Protocol):
    def subscribe(self, protocol: str, endpoint: str, filter_policy: dict[str, Any],
                  raw_delivery: bool) -> dict[str, Any]:
        """Subscribe an endpoint to the finance topic with this filter; what was set up (subscription arn...)."""


# --- what one use case offers the others (the container wires the service that implements each) ---------------

class PolicyBook(Protocol):
    """The policies in force (services.policies.PolicyService)."""

    def exists(self, tenant_id: str, name: str) -> bool: ...

    def get(self, tenant_id: str, name: str) -> Policy:
        """The latest version, or a built-in policy; NotFound naming `name` if there is neither."""

    def resolve(self, tenant_id: str, name: str) -> Policy: ...

    def applied(self, account: Account) -> PolicyApplied:
        """The policy the account names, else the first whose segment it matches, else standard; and why."""

    def for_account(self, account: Account) -> Policy:
        """The policy in force for the account (see applied)."""


class PolicyEditing(Protocol):
    """Changing policies as the API does (services.policies.PolicyService), for the console's editor."""

    def build(self, name: str, body: dict[str, Any]) -> Policy:
        """The policy a body describes, checked as a PUT is; InvalidInput naming the field; stores nothing."""

    def put(self, tenant_id: str, name: str, body: dict[str, Any]) -> Policy:
        """A new version; InvalidInput naming the field, nothing stored, when the body is wrong."""

    def versions(self, tenant_id: str, name: str) -> list[Policy]:
        """Every version, oldest first (the built-in one when never changed); empty for an unknown name."""

    def all_latest(self, tenant_id: str) -> list[Policy]:
        """The newest version of each policy, built-in ones included."""


class TenantLookup(Protocol):
    """A tenant by id (services.tenants.TenantService)."""

    def get(self, tenant_id: str) -> Tenant | None: ...


class Links(Protocol):
    """Signed, expiring links to the debtor's page and to unsubscribe (services.links.LinkService)."""

    def read(self, token: str, purpose: str, now: datetime) -> LinkClaims: ...

    def portal_url(self, tenant_id: str, account_id: str, now: datetime) -> str: ...

    def unsubscribe_url(self, tenant_id: str, account_id: str, now: datetime) -> str: ...

    def short_portal_link(self, tenant_id: str, account_id: str, now: datetime) -> tuple[str, ShortLink]:
        """A short link for SMS; the caller stores the ShortLink with the message it rides in."""


class MessageDelivery(Protocol):
    """The one claim -> deliver -> record path every message takes (services/delivery.py)."""

    def send(self, account: Account, tenant: Tenant, message: Message, now: datetime) -> Outcome: ...


class NoticeCarrier(Protocol):
    """Carries out a plan, promise or settlement notice the worker decided on (services/notices.py)."""

    def carry_out(self, account: Account, tenant: Tenant, policy: Policy, decision: Notify | Defer | Withhold,
                  now: datetime) -> Outcome: ...


class SweepGate(Protocol):
    """What the sweep and the forecast ask of the circuit breaker (services/breaker.py)."""

    def admit(self, tenant_id: str, entries: list[DueEntry], now: datetime) -> Admission:
        """Whether this sweep may queue the tenant's due accounts; a run far above its usual day is held."""

    def outlook(self, tenant_id: str, would_send: int, now: datetime,
                first_runs: frozenset[tuple[str, int]] = frozenset()) -> dict[str, Any]:
        """Whether a run sending that many now (under these policy versions asking for their first run to be
        approved) would be held, and against what."""


class Forecasts(Protocol):
    """What the coming sweeps will send and hold back (services.forecast.ForecastService)."""

    def forecast(self, tenant_id: str, hours: int = 24) -> dict[str, Any]: ...


class HeldSweeps(Protocol):
    """The runs the circuit breaker holds, and a person's decision on them (services.breaker.SweepBreaker)."""

    def held(self, tenant_id: str) -> dict[str, Any]: ...

    def approve(self, tenant_id: str, actor: str) -> dict[str, Any]: ...

    def discard(self, tenant_id: str, actor: str) -> dict[str, Any]: ...


class DailySummaries(Protocol):
    """Which tenants' finance teams asked for the daily summary email (a tenant setting), and the local days it
    was sent on: one marker a day, written only if absent, so it is never sent twice."""

    def set_address(self, tenant_id: str, address: str | None) -> None:
        """Where the tenant's summary goes; None stops it."""

    def address(self, tenant_id: str) -> str | None: ...

    def addresses(self) -> list[tuple[str, str]]:
        """(tenant_id, address) of every tenant that asked for the summary."""

    def claim_day(self, tenant_id: str, day: date) -> bool:
        """Mark the tenant's summary of that (local) day as sent; False, writing nothing, if it already was."""

    def release_day(self, tenant_id: str, day: date) -> None:
        """Take the day's mark back (the email could not be sent): the next run tries again."""


class Figures(Protocol):
    """A tenant's finance figures (services.figures), as the console's overview reads them."""

    def figures(self, tenant_id: str, period: tuple[date, date] | None = None) -> dict[str, Any]: ...

    def days(self, tenant_id: str, first: date, last: date) -> dict[str, dict[str, int]]: ...
