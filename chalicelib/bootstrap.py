"""Composition root: the one place that builds adapters and use cases, real AWS or local stand-ins alike
(the difference is only the AWS_ENDPOINT_URL* variables)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings, settings

if TYPE_CHECKING:  # annotations only: the app's cold start imports no adapter or service it does not use
    from chalicelib.adapters.dynamodb.models import Models
    from chalicelib.domain.ports import (
        AccountRepository,
        Clock,
        ConsoleChanges,
        ConsolePages,
        ConsoleSignIns,
        ConsoleUsers,
        DailySummaries,
        DebtorReplies,
        DnsTxt,
        EmailSender,
        FigureStore,
        FinanceNotifier,
        FinanceTopic,
        HolidayCalendar,
        LinkSecret,
        ParkedPayments,
        PolicyRepository,
        SenderDomains,
        SessionKeys,
        ShortLinks,
        SmsSender,
        SweepLedger,
        Templates,
        TenantRepository,
        WebhookSecrets,
        WorkQueue,
    )
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


def _system_clock() -> Clock:
    from chalicelib.adapters.clock import SystemClock

    return SystemClock()


@dataclass
class Container:
    settings: Settings
    clock: Clock = field(default_factory=_system_clock)  # a caller (the CLI sweep, tests) may fix the time
    dry_run: bool = False  # evaluate everything, write and send nothing

    # --- adapters -----------------------------------------------------------------------------
    def client(self, service: str) -> Any:  # boto3 publishes no types; only adapters hold a client
        from chalicelib.adapters.aws import client

        return client(service, self.settings.region)

    def client_on_first_use(self, service: str) -> Any:
        from chalicelib.adapters.aws import ClientOnFirstUse

        return ClientOnFirstUse(service, self.settings.region)

    @cached_property
    def models(self) -> Models:
        from chalicelib.adapters.dynamodb.models import build_models

        return build_models(self.settings)

    @cached_property
    def account_repository(self) -> AccountRepository:
        from chalicelib.adapters.dynamodb.accounts import DynamoAccounts

        repository = DynamoAccounts(self.models, self.settings.due_index_shards)
        if self.dry_run:
            from chalicelib.adapters.dry_run import ReadOnlyAccounts

            return ReadOnlyAccounts(repository)
        return repository

    @cached_property
    def tenant_repository(self) -> TenantRepository:
        from chalicelib.adapters.dynamodb.tenants import DynamoTenants

        return DynamoTenants(self.models)

    @cached_property
    def policy_repository(self) -> PolicyRepository:
        from chalicelib.adapters.dynamodb.policies import DynamoPolicies

        return DynamoPolicies(self.models)

    @cached_property
    def short_links(self) -> ShortLinks:
        from chalicelib.adapters.dynamodb.links import DynamoLinks

        return DynamoLinks(self.models)

    @cached_property
    def sweep_ledger(self) -> SweepLedger:
        from chalicelib.adapters.dynamodb.sweeps import DynamoSweepLedger

        ledger = DynamoSweepLedger(self.models)
        if self.dry_run:
            from chalicelib.adapters.dry_run import ReadOnlySweepLedger

            return ReadOnlySweepLedger(ledger)
        return ledger

    @cached_property
    def figure_store(self) -> FigureStore:
        from chalicelib.adapters.dynamodb.figures import DynamoFigureStore

        return DynamoFigureStore(self.client("dynamodb"), self.settings.figures_table)

    @cached_property
    def holidays(self) -> HolidayCalendar:
        from chalicelib.adapters.holiday_calendar import holiday_checker

        return holiday_checker

    @cached_property
    def parked_payments(self) -> ParkedPayments:
        from chalicelib.adapters.dynamodb.payments import DynamoParkedPayments

        return DynamoParkedPayments(self.models)

    @cached_property
    def debtor_replies(self) -> DebtorReplies:
        from chalicelib.adapters.dynamodb.replies import DynamoDebtorReplies

        return DynamoDebtorReplies(self.models)

    @cached_property
    def email(self) -> EmailSender:
        if self.dry_run:
            from chalicelib.adapters.dry_run import NullEmail

            return NullEmail()
        from chalicelib.adapters.email_ses import SesEmail

        return SesEmail(self.client("sesv2"), self.settings.ses_configuration_set)

    @cached_property
    def sender_domain_identities(self) -> SenderDomains:
        from chalicelib.adapters.sender_domains_ses import SesSenderDomains

        return SesSenderDomains(self.client("ses"))

    @cached_property
    def dns(self) -> DnsTxt:
        from chalicelib.adapters.dns_lookup import DnsPythonTxt

        return DnsPythonTxt()

    @cached_property
    def sms(self) -> SmsSender:
        if self.dry_run:
            from chalicelib.adapters.dry_run import NullSms

            return NullSms()
        from chalicelib.adapters.sms_sns import SnsSms

        return SnsSms(self.client_on_first_use("sns"))

    @cached_property
    def notifier(self) -> FinanceNotifier:
        if self.dry_run:
            from chalicelib.adapters.dry_run import NullNotifier

            return NullNotifier()
        from chalicelib.adapters.sms_sns import SnsFinanceNotifier

        return SnsFinanceNotifier(self.client_on_first_use("sns"), lambda: self.topic_arn(self.settings.finance_topic))

    @cached_property
    def link_secret(self) -> LinkSecret:
        from chalicelib.adapters.secrets_ssm import SsmSecret

        return SsmSecret(self.client("ssm"), self.settings.link_secret_parameter)

    @cached_property
    def webhook_secrets(self) -> WebhookSecrets:
        from chalicelib.adapters.secrets_ssm import SsmWebhookSecrets

        return SsmWebhookSecrets(self.client("ssm"), self.settings.webhook_secret_prefix)

    @cached_property
    def finance_topic(self) -> FinanceTopic:
        from chalicelib.adapters.finance_topic import SnsFinanceTopic

        return SnsFinanceTopic(self.client("sns"), self.client("sqs"), self.topic_arn(self.settings.finance_topic))

    @cached_property
    def renderer(self) -> Templates:
        from chalicelib.adapters.templates_jinja import JinjaRenderer

        return JinjaRenderer()

    # The finance console's table serves three ports (adapters/dynamodb/console.py).
    @cached_property
    def console_users(self) -> ConsoleUsers:
        from chalicelib.adapters.dynamodb.console import DynamoConsole

        return DynamoConsole(self.models)

    @cached_property
    def console_signins(self) -> ConsoleSignIns:
        from chalicelib.adapters.dynamodb.console import DynamoConsole

        return DynamoConsole(self.models)

    @cached_property
    def console_changes(self) -> ConsoleChanges:
        from chalicelib.adapters.dynamodb.console import DynamoConsole

        return DynamoConsole(self.models)

    @cached_property
    def daily_summaries(self) -> DailySummaries:
        from chalicelib.adapters.dynamodb.console import DynamoConsole

        return DynamoConsole(self.models)

    @cached_property
    def session_keys(self) -> SessionKeys:
        from chalicelib.adapters.secrets_ssm import SsmSessionKeys

        return SsmSessionKeys(self.client("ssm"), self.settings.console_keys_parameter)

    @cached_property
    def console_pages(self) -> ConsolePages:
        from chalicelib.adapters.console_pages import JinjaConsolePages

        return JinjaConsolePages()

    def queue(self) -> WorkQueue:
        from chalicelib.adapters.queue_sqs import SqsQueue

        sqs = self.client("sqs")
        return SqsQueue(sqs, sqs.get_queue_url(QueueName=self.settings.reminders_queue)["QueueUrl"])

    def topic_arn(self, name: str) -> str:
        sts_account = self.client("sts").get_caller_identity()["Account"]
        return f"arn:aws:sns:{self.settings.region}:{sts_account}:{name}"

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
