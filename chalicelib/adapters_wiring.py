"""The adapters half of the composition root: each AWS (or local stand-in) adapter, built on first use and typed
as the port it implements. chalicelib/bootstrap.py's Container adds the use cases on top."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings

if TYPE_CHECKING:  # annotations only: the app's cold start imports no adapter it does not use
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


def _system_clock() -> Clock:
    from chalicelib.adapters.clock import SystemClock

    return SystemClock()


@dataclass
class Adapters:
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
