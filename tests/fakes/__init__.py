"""In-memory fakes of every port (repositories, senders, queue, clock...), faithful to the adapters in
chalicelib/adapters (tests/aws/test_fakes_match_adapters.py proves the repositories match), and
`fake_container()`, the real Container wired with them."""

from .clock import FakeClock, FakeHolidays
from .console import FakeConsole, FakeSessionKeys
from .container import Faked, fake_container
from .queue import FakeQueue
from .renderer import FakeRenderer
from .repositories import (
    FakeAccounts,
    FakeDebtorReplies,
    FakeFigureStore,
    FakeParkedPayments,
    FakePolicies,
    FakeShortLinks,
    FakeSweepLedger,
    FakeTenants,
    OutboxEntry,
)
from .secrets import FakeLinkSecret, FakeWebhookSecrets
from .sender_domains import FakeDns, FakeSenderDomains
from .senders import FakeEmail, FakeFinanceNotifier, FakeFinanceTopic, FakeSms, SentEmail, SentSms

__all__ = [
    "FakeAccounts", "FakeClock", "FakeConsole", "FakeDebtorReplies", "FakeDns", "FakeEmail", "FakeFinanceNotifier",
    "FakeFinanceTopic", "FakeHolidays", "FakeLinkSecret", "FakeParkedPayments", "FakePolicies", "FakeQueue",
    "FakeRenderer", "FakeSenderDomains", "FakeSessionKeys", "FakeShortLinks", "FakeSms", "FakeSweepLedger",
    "FakeTenants", "FakeWebhookSecrets", "Faked", "OutboxEntry", "SentEmail", "SentSms", "fake_container",
    "FakeFigureStore",
]
