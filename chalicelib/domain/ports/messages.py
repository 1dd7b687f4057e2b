"""Messages to and from debtors: the templates that render them (and the pages), the email and SMS providers
that send them, a tenant's sender identity, the texts debtors send back, and the one path every message takes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: a use case loads the domain modules it works with, not every port's
    from ..accounts import Account
    from ..decision import Defer, Notify, Withhold
    from ..deliverability import SenderDomain
    from ..messages import MessageContext, RenderedMessage
    from ..outcomes import Outcome
    from ..policies import Policy
    from ..sending import Message
    from ..sms_replies import DebtorReply
    from ..tenants import Tenant


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


# --- what one use case offers the others (the container wires the service that implements each) ---------------

class MessageDelivery(Protocol):
    """The one claim -> deliver -> record path every message takes (services/delivery.py)."""

    def send(self, account: Account, tenant: Tenant, message: Message, now: datetime) -> Outcome: ...


class NoticeCarrier(Protocol):
    """Carries out a plan, promise or settlement notice the worker decided on (services/notices.py)."""

    def carry_out(self, account: Account, tenant: Tenant, policy: Policy, decision: Notify | Defer | Withhold,
                  now: datetime) -> Outcome: ...
