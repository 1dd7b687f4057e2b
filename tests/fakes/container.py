"""The real composition root (chalicelib.bootstrap.Container) with every adapter replaced by its in-memory fake,
so use-case tests run the real services, wired the real way, without a socket.

The fakes are put in the container's cached properties before first use; anything that would still reach
AWS (a boto3 client, the pynamodb models) raises at once instead of trying the network."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib.bootstrap import Container
from chalicelib.config import Settings, read_settings

from .clock import FakeClock
from .console import FakeConsole, FakeSessionKeys
from .queue import FakeQueue
from .repositories import (
    FakeAccounts,
    FakeDebtorReplies,
    FakeFigureStore,
    FakeParkedPayments,
    FakePolicies,
    FakeShortLinks,
    FakeSweepLedger,
    FakeTenants,
)
from .secrets import FakeLinkSecret, FakeWebhookSecrets
from .sender_domains import FakeDns, FakeSenderDomains
from .senders import FakeEmail, FakeFinanceNotifier, FakeFinanceTopic, FakeSms

if TYPE_CHECKING:
    from chalicelib.domain.ports import HolidayCalendar, Renderer


class NoAws:
    """Stands where an adapter was not faked: touching it fails the test instead of opening a connection."""

    def __init__(self, what: str) -> None:
        self._what = what

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{self._what}.{name} reached for AWS: fake it in tests/fakes/container.py")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{self._what} reached for AWS: fake it in tests/fakes/container.py")


@dataclass
class Faked:
    """The container and the fakes inside it, for arranging state and asserting on it."""

    container: Container
    clock: FakeClock
    accounts: FakeAccounts
    parked: FakeParkedPayments
    policies: FakePolicies
    tenants: FakeTenants
    short_links: FakeShortLinks
    email: FakeEmail
    sms: FakeSms
    notifier: FakeFinanceNotifier
    queue: FakeQueue
    webhook_secrets: FakeWebhookSecrets
    finance_topic: FakeFinanceTopic
    renderer: Renderer
    holidays: HolidayCalendar
    sweeps: FakeSweepLedger = field(default_factory=FakeSweepLedger)
    replies: FakeDebtorReplies = field(default_factory=FakeDebtorReplies)
    console: FakeConsole = field(default_factory=FakeConsole)
    session_keys: FakeSessionKeys = field(default_factory=FakeSessionKeys)
    settings: Settings = field(repr=False, default_factory=lambda: read_settings({}))
    sender_domains: FakeSenderDomains = field(default_factory=FakeSenderDomains)
    dns: FakeDns = field(default_factory=FakeDns)
    figure_store: FakeFigureStore = field(default_factory=FakeFigureStore)
    streamed: int = 0  # how many of the accounts' stream records flow_stream() has applied

    def flow_stream(self) -> int:
        """Apply the account writes made since the last call to the figures, as figures_stream would (each
        write a record, dated by the fake clock): how many added to them."""
        applied = 0
        for old, new in self.accounts.stream[self.streamed:]:
            applied += self.container.figure_stream.apply(self.clock.now().date(), old, new)
        self.streamed = len(self.accounts.stream)
        return applied

    def stored(self) -> Any:
        """Everything every repository and outbound fake holds, to prove a refused call changed nothing."""
        return (self.accounts.state(), dict(self.parked.items), dict(self.policies.stored),
                dict(self.tenants.tenants), dict(self.tenants.keys), list(self.email.sent), list(self.sms.sent),
                list(self.notifier.published), list(self.queue.batches), dict(self.webhook_secrets.secrets),
                list(self.finance_topic.subscriptions), dict(self.sender_domains.identities),
                dict(self.replies.seen), list(self.replies.kept), self.sweeps.state())


def fake_container(at: datetime, *, renderer: Renderer | None = None, holidays: HolidayCalendar | None = None,
                   shards: int = 4, environ: dict[str, str] | None = None) -> Faked:
    """A Container whose adapters are fakes. The renderer and holiday calendar are the real ones unless given
    (both are pure: Jinja templates in the package, the `holidays` library); pass FakeRenderer() / FakeHolidays()
    to control them."""
    settings = read_settings({"KINDLY_DUE_INDEX_SHARDS": str(shards), **(environ or {})})
    clock = FakeClock(at)
    container = Container(settings, clock=clock)
    if renderer is None:
        from chalicelib.adapters.templates_jinja import JinjaRenderer

        renderer = JinjaRenderer()
    if holidays is None:
        from chalicelib.adapters.holiday_calendar import holiday_checker

        holidays = holiday_checker
    short_links = FakeShortLinks()
    faked = Faked(
        container=container, clock=clock, accounts=FakeAccounts(shards, short_links), parked=FakeParkedPayments(),
        policies=FakePolicies(), tenants=FakeTenants(), short_links=short_links, email=FakeEmail(), sms=FakeSms(),
        notifier=FakeFinanceNotifier(), queue=FakeQueue(), webhook_secrets=FakeWebhookSecrets(),
        finance_topic=FakeFinanceTopic(), renderer=renderer, holidays=holidays, settings=settings,
    )
    adapters = {
        "account_repository": faked.accounts, "parked_payments": faked.parked,
        "tenant_repository": faked.tenants, "policy_repository": faked.policies, "short_links": short_links,
        "email": faked.email, "sms": faked.sms, "notifier": faked.notifier, "link_secret": FakeLinkSecret(),
        "webhook_secrets": faked.webhook_secrets, "renderer": renderer, "holidays": holidays,
        "finance_topic": faked.finance_topic, "sender_domain_identities": faked.sender_domains, "dns": faked.dns,
        "debtor_replies": faked.replies, "console_users": faked.console, "console_signins": faked.console,
        "console_changes": faked.console, "session_keys": faked.session_keys, "sweep_ledger": faked.sweeps,
        "figure_store": faked.figure_store,
        "daily_summaries": faked.console,
        # what must never be reached once the above are in place
        "models": NoAws("models"), "client": NoAws("client"), "topic_arn": NoAws("topic_arn"),
        "queue": lambda: faked.queue,
    }
    missing = set(adapters) - set(dir(container))
    assert not missing, f"Container no longer has {sorted(missing)}: update fake_container"
    container.__dict__.update(adapters)
    return faked
