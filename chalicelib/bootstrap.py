"""Composition root: the one place that builds adapters and use cases, real AWS or local stand-ins alike
(the difference is only the AWS_ENDPOINT_URL* variables)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.adapters_wiring import Adapters
from chalicelib.config import settings

if TYPE_CHECKING:  # annotations only: the app's cold start imports no service it does not use
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.audit import AuditService
    from chalicelib.services.breaker import SweepBreaker
    from chalicelib.services.console_accounts import ConsoleAccounts
    from chalicelib.services.console_export import AuditExport
    from chalicelib.services.console_overview import ConsoleOverview
    from chalicelib.services.console_people import ConsolePeople
    from chalicelib.services.console_policies import ConsolePolicies
    from chalicelib.services.console_settings import ConsoleSettings
    from chalicelib.services.console_signin import ConsoleSignIn
    from chalicelib.services.console_tomorrow import ConsoleTomorrow
    from chalicelib.services.daily_summary import DailySummary
    from chalicelib.services.delivery import Delivery
    from chalicelib.services.feedback import FeedbackService
    from chalicelib.services.figure_stream import FigureStream
    from chalicelib.services.figures import FinanceFigures
    from chalicelib.services.forecast import ForecastService
    from chalicelib.services.links import LinkService
    from chalicelib.services.notices import Notices
    from chalicelib.services.payments import PaymentService
    from chalicelib.services.plans import PlanService
    from chalicelib.services.policies import PolicyService
    from chalicelib.services.portal import PortalService
    from chalicelib.services.preview import PreviewService
    from chalicelib.services.remind import RemindService
    from chalicelib.services.sender_domains import SenderDomainService
    from chalicelib.services.sms_replies import SmsReplies
    from chalicelib.services.subscriptions import FinanceSubscriptions
    from chalicelib.services.sweep import SweepService
    from chalicelib.services.tenants import TenantService
    from chalicelib.services.unsubscribe import UnsubscribeService


@dataclass
class Container(Adapters):
    """Adapters (chalicelib/adapters_wiring.py) and the use cases built on them, each on first use."""

    # --- use cases ----------------------------------------------------------------------------
    @cached_property
    def tenants(self) -> TenantService:
        from chalicelib.services.tenants import TenantService

        return TenantService(self.tenant_repository, self.email, self.clock)

    @cached_property
    def policies(self) -> PolicyService:
        from chalicelib.adapters.templates_jinja import available_templates
        from chalicelib.services.policies import PolicyService

        return PolicyService(
            self.policy_repository, self.clock,
            lambda: {"email": available_templates("email"), "sms": available_templates("sms")},
        )

    @cached_property
    def accounts(self) -> AccountService:
        from chalicelib.services.accounts import AccountService

        return AccountService(self.account_repository, self.policies, self.tenants, self.clock,
                              on_upsert=lambda account: self.payments.apply_waiting(account), notifier=self.notifier)

    @cached_property
    def links(self) -> LinkService:
        from chalicelib.services.links import LinkService

        return LinkService(self.link_secret.value, self.settings.public_base_url, self.settings.link_ttl_days,
                           self.short_links)

    @cached_property
    def remind(self) -> RemindService:
        from chalicelib.services.remind import RemindService

        return RemindService(
            accounts=self.account_repository, policies=self.policies, tenants=self.tenants,
            delivery=self.delivery, notices=self.notices, holidays=self.holidays, clock=self.clock,
        )

    @cached_property
    def notices(self) -> Notices:
        from chalicelib.services.notices import Notices

        return Notices(self.account_repository, self.delivery)

    @cached_property
    def delivery(self) -> Delivery:
        from chalicelib.services.delivery import Delivery

        return Delivery(accounts=self.account_repository, renderer=self.renderer, email=self.email, sms=self.sms,
                        notifier=self.notifier, links=self.links)

    @cached_property
    def preview(self) -> PreviewService:
        from chalicelib.services.preview import PreviewService

        return PreviewService(self.account_repository, self.policies, self.tenants, self.holidays, self.clock)

    @cached_property
    def sweep(self) -> SweepService:
        from chalicelib.services.sweep import SweepService

        return SweepService(self.account_repository, self.settings.due_index_shards, self.clock, self.breaker,
                            holidays=self.holidays)

    @cached_property
    def breaker(self) -> SweepBreaker:
        from chalicelib.services.breaker import SweepBreaker

        return SweepBreaker(ledger=self.sweep_ledger, accounts=self.account_repository, policies=self.policies,
                            holidays=self.holidays, notifier=self.notifier, clock=self.clock)

    @cached_property
    def forecast(self) -> ForecastService:
        from chalicelib.services.forecast import ForecastService

        return ForecastService(accounts=self.account_repository, policies=self.policies, tenants=self.tenants,
                               holidays=self.holidays, clock=self.clock, breaker=self.breaker)

    @cached_property
    def payments(self) -> PaymentService:
        from chalicelib.adapters.processors import parser_for
        from chalicelib.services.payments import PaymentService

        return PaymentService(accounts=self.account_repository, secrets=self.webhook_secrets,
                              policies=self.policies, notifier=self.notifier, clock=self.clock,
                              parser_for=parser_for, parked=self.parked_payments)

    @cached_property
    def plans(self) -> PlanService:
        from chalicelib.services.plans import PlanService

        return PlanService(self.account_repository, self.policies, self.holidays, self.clock)

    @cached_property
    def portal(self) -> PortalService:
        from chalicelib.services.portal import PortalService

        return PortalService(accounts=self.account_repository, policies=self.policies, tenants=self.tenants,
                             links=self.links, notifier=self.notifier, clock=self.clock)

    @cached_property
    def figures(self) -> FinanceFigures:
        from chalicelib.services.figures import FinanceFigures

        return FinanceFigures(self.figure_store, self.clock)

    @cached_property
    def figure_stream(self) -> FigureStream:
        from chalicelib.services.figure_stream import FigureStream

        return FigureStream(self.figure_store, self.account_repository)

    @cached_property
    def feedback(self) -> FeedbackService:
        from chalicelib.services.feedback import FeedbackService

        return FeedbackService(self.account_repository, self.notifier, self.clock)

    @cached_property
    def sms_replies(self) -> SmsReplies:
        from chalicelib.services.sms_replies import SmsReplies

        return SmsReplies(accounts=self.account_repository, replies=self.debtor_replies, tenants=self.tenants,
                          links=self.links, renderer=self.renderer, sms=self.sms, notifier=self.notifier,
                          holidays=self.holidays, clock=self.clock)

    @cached_property
    def audit(self) -> AuditService:
        from chalicelib.services.audit import AuditService

        return AuditService(self.account_repository)

    @cached_property
    def console_people(self) -> ConsolePeople:
        from chalicelib.services.console_people import ConsolePeople

        return ConsolePeople(self.console_users, self.tenants, self.console_changes, self.clock)

    @cached_property
    def console_signin(self) -> ConsoleSignIn:
        from chalicelib.services.console_signin import ConsoleSignIn

        return ConsoleSignIn(self.console_users, self.console_signins, self.session_keys, self.email, self.tenants,
                             self.clock, self.settings.public_base_url)

    @cached_property
    def console_overview(self) -> ConsoleOverview:
        from chalicelib.services.console_overview import ConsoleOverview

        return ConsoleOverview(self.figures, self.clock)

    @cached_property
    def console_accounts(self) -> ConsoleAccounts:
        from chalicelib.services.console_accounts import ConsoleAccounts

        return ConsoleAccounts(self.account_repository, self.policies, self.preview.preview, self.clock)

    @cached_property
    def console_export(self) -> AuditExport:
        from chalicelib.services.console_export import AuditExport

        return AuditExport(self.account_repository, self.clock)

    @cached_property
    def console_settings(self) -> ConsoleSettings:
        from chalicelib.services.console_settings import ConsoleSettings

        return ConsoleSettings(self.tenants, self.webhook_secrets, self.payments.put_secret, self.console_changes,
                               self.clock, set_reply_to=self.tenants.set_reply_to,
                               summary_address=self.daily_summary.address,
                               set_summary_address=self.daily_summary.set_address)

    @cached_property
    def console_policies(self) -> ConsolePolicies:
        from chalicelib.services.console_policies import ConsolePolicies

        return ConsolePolicies(self.policies, self.tenants, self.holidays, self.console_changes, self.clock)

    @cached_property
    def console_tomorrow(self) -> ConsoleTomorrow:
        from chalicelib.services.console_tomorrow import ConsoleTomorrow

        return ConsoleTomorrow(self.forecast, self.breaker)

    @cached_property
    def daily_summary(self) -> DailySummary:
        from chalicelib.services.daily_summary import DailySummary

        return DailySummary(summaries=self.daily_summaries, tenants=self.tenants, policies=self.policies,
                            forecasts=self.forecast, held_sweeps=self.breaker, email=self.email, clock=self.clock,
                            console_url=f"{self.settings.public_base_url}/console/tomorrow")

    @cached_property
    def finance_subscriptions(self) -> FinanceSubscriptions:
        from chalicelib.services.subscriptions import FinanceSubscriptions

        return FinanceSubscriptions(self.finance_topic)

    @cached_property
    def sender_domains(self) -> SenderDomainService:
        from chalicelib.services.sender_domains import SenderDomainService

        return SenderDomainService(self.sender_domain_identities, self.dns, self.tenants, self.settings.region)

    @cached_property
    def unsubscribe(self) -> UnsubscribeService:
        from chalicelib.services.unsubscribe import UnsubscribeService

        return UnsubscribeService(self.account_repository, self.links, self.clock)


_container: Container | None = None


def container() -> Container:
    """The process-wide container, built on first use (after the stage's environment is in place)."""
    global _container
    if _container is None:
        _container = Container(settings())
    return _container


def install(built: Container) -> None:
    """Make `built` the process-wide container: `kindly sms receive --at` hands a text to the function's own
    handler with Kindly's clock at that instant."""
    global _container
    _container = built


def reset() -> None:
    """Forget everything built, e.g. after tests change the environment."""
    global _container
    _container = None
    settings.cache_clear()
    from chalicelib.adapters.aws import client

    client.cache_clear()
