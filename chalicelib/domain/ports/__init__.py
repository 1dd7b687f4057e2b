"""What the use cases need from the outside world. Adapters implement these (structurally: no adapter
inherits from a port), and the container hands each adapter out typed as its port, so mypy proves the fit.

One module per subject; each also holds what one use case offers the others on that subject (the container wires
the service that implements it). Import them from here: `from chalicelib.domain.ports import Clock`."""

from .accounts import AccountRepository, AuditTrail, DueEntry, OutboxReader, ParkedPayments, PaymentLines
from .clock import Clock, HolidayCalendar
from .console import ConsoleChanges, ConsoleSignIns, ConsoleUsers, SessionKeys
from .finance import DailySummaries, Figures, FigureStore, FinanceNotifier, FinanceTopic
from .links import Links, LinkSecret, ShortLinks
from .messages import (
    ConsolePages,
    DebtorReplies,
    DnsTxt,
    EmailSender,
    MessageDelivery,
    NoticeCarrier,
    PageRenderer,
    Renderer,
    SenderDomains,
    SenderIdentities,
    SmsSender,
    Templates,
)
from .policies import PolicyBook, PolicyEditing, PolicyRepository
from .sweeps import Forecasts, HeldSweeps, SweepGate, SweepLedger, WorkQueue
from .tenants import TenantLookup, TenantRepository, WebhookSecrets

__all__ = [
    "AccountRepository", "AuditTrail", "DueEntry", "OutboxReader", "ParkedPayments", "PaymentLines",
    "Clock", "HolidayCalendar",
    "ConsoleChanges", "ConsoleSignIns", "ConsoleUsers", "SessionKeys",
    "DailySummaries", "FigureStore", "Figures", "FinanceNotifier", "FinanceTopic",
    "LinkSecret", "Links", "ShortLinks",
    "ConsolePages", "DebtorReplies", "DnsTxt", "EmailSender", "MessageDelivery", "NoticeCarrier", "PageRenderer",
    "Renderer", "SenderDomains", "SenderIdentities", "SmsSender", "Templates",
    "PolicyBook", "PolicyEditing", "PolicyRepository",
    "Forecasts", "HeldSweeps", "SweepGate", "SweepLedger", "WorkQueue",
    "TenantLookup", "TenantRepository", "WebhookSecrets",
]
