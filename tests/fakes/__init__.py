"""In-memory fakes of every port (repositories, senders, queue, clock...), faithful to the adapters in
chalicelib/adapters (tests/aws/test_fakes_match_adapters.py proves the repositories match), and
`fake_container()`, the real Container wired with them."""

from .clock import FakeClock, FakeHolidays
from .container import Faked, fake_container
from .queue import FakeQueue
from .renderer import FakeRenderer
from .repositories import (
    FakeAccounts,
    FakeParkedPayments,
    FakePolicies,
    FakeShortLinks,
    FakeSweepLedger,
    FakeTenants,
    OutboxEntry,
)
from .secrets import FakeLinkSecret, FakeWebhookSecrets
from .senders import FakeEmail, FakeFinanceNotifier, FakeFinanceTopic, FakeSms, SentEmail, SentSms

__all__ = [
    "FakeAccounts", "FakeClock", "FakeEmail", "FakeFinanceNotifier", "FakeFinanceTopic", "FakeHolidays",
    "FakeLinkSecret", "FakeParkedPayments", "FakePolicies", "FakeQueue", "FakeRenderer", "FakeShortLinks", "FakeSms",
    "FakeSweepLedger", "FakeTenants", "FakeWebhookSecrets", "Faked", "OutboxEntry", "SentEmail", "SentSms",
    "fake_container",
]
