"""Composition root: the one place that builds adapters and use cases, real AWS or local stand-ins alike
(the difference is only the AWS_ENDPOINT_URL* variables)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from chalicelib.config import Settings, settings

if TYPE_CHECKING:
    from chalicelib.services.delivery import Delivery
    from chalicelib.services.figures import FinanceFigures
    from chalicelib.services.plans import PlanService
    from chalicelib.services.preview import PreviewService
    from chalicelib.services.remind import RemindService
    from chalicelib.services.unsubscribe import UnsubscribeService


@dataclass
class Container:
    settings: Settings
    clock: Any = None  # SystemClock unless a caller (the CLI sweep) fixes the time
    dry_run: bool = False  # evaluate everything, write and send nothing

    def __post_init__(self) -> None:
        if self.clock is None:
            from chalicelib.adapters.clock import SystemClock

            self.clock = SystemClock()

    # --- adapters -----------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        from chalicelib.adapters.aws import client

        return client(service, self.settings.region)

    @cached_property
    def models(self) -> Any:
        from chalicelib.adapters.dynamodb.models import build_models

        return build_models(self.settings)

    @cached_property
    def account_repository(self) -> Any:
        from chalicelib.adapters.dynamodb.repositories import DynamoAccounts

        repository = DynamoAccounts(self.models, self.settings.due_index_shards)
        if self.dry_run:
            from chalicelib.adapters.dry_run import ReadOnlyAccounts

            return ReadOnlyAccounts(repository)
        return repository

    @cached_property
    def tenant_repository(self) -> Any:
        from chalicelib.adapters.dynamodb.repositories import DynamoTenants

        return DynamoTenants(self.models)

    @cached_property
    def policy_repository(self) -> Any:
        from chalicelib.adapters.dynamodb.repositories import DynamoPolicies

        return DynamoPolicies(self.models)

    @cached_property
    def short_links(self) -> Any:
        from chalicelib.adapters.dynamodb.repositories import DynamoLinks

        return DynamoLinks(self.models)

    @cached_property
    def holidays(self) -> Any:
        from chalicelib.adapters.holiday_calendar import holiday_checker

        return holiday_checker

    @cached_property
    def parked_payments(self) -> Any:
        from chalicelib.adapters.dynamodb.repositories import DynamoParkedPayments

        return DynamoParkedPayments(self.models)

    @cached_property
    def email(self) -> Any:
        from chalicelib.adapters.email_ses import SesEmail

        if self.dry_run:
            from chalicelib.adapters.dry_run import NullSender

            return NullSender()
        return SesEmail(self.client("sesv2"), self.settings.ses_configuration_set)

    @cached_property
    def sms(self) -> Any:
        from chalicelib.adapters.sms_sns import SnsSms

        if self.dry_run:
            from chalicelib.adapters.dry_run import NullSender

            return NullSender()
        return SnsSms(self.client("sns"))

    @cached_property
    def notifier(self) -> Any:
        from chalicelib.adapters.sms_sns import SnsFinanceNotifier

        if self.dry_run:
            from chalicelib.adapters.dry_run import NullSender

            return NullSender()
        return SnsFinanceNotifier(self.client("sns"), lambda: self.topic_arn(self.settings.finance_topic))

    @cached_property
    def link_secret(self) -> Any:
        from chalicelib.adapters.secrets_ssm import SsmSecret

        return SsmSecret(self.client("ssm"), self.settings.link_secret_parameter)

    @cached_property
    def webhook_secrets(self) -> Any:
        from chalicelib.adapters.secrets_ssm import SsmWebhookSecrets

        return SsmWebhookSecrets(self.client("ssm"), self.settings.webhook_secret_prefix)

    @cached_property
    def finance_topic(self) -> Any:
        from chalicelib.adapters.finance_topic import SnsFinanceTopic

        return SnsFinanceTopic(self.client("sns"), self.client("sqs"), self.topic_arn(self.settings.finance_topic))

    @cached_property
    def renderer(self) -> Any:
        from chalicelib.adapters.templates_jinja import JinjaRenderer

        return JinjaRenderer()

    def queue(self) -> Any:
        from chalicelib.adapters.queue_sqs import SqsQueue

        sqs = self.client("sqs")
        return SqsQueue(sqs, sqs.get_queue_url(QueueName=self.settings.reminders_queue)["QueueUrl"])

    def topic_arn(self, name: str) -> str:
        sts_account = self.client("sts").get_caller_identity()["Account"]
        return f"arn:aws:sns:{self.settings.region}:{sts_account}:{name}"

    # --- use cases ----------------------------------------------------------------------------
    @cached_property
    def tenants(self) -> Any:
        from chalicelib.services.tenants import TenantService

        return TenantService(self.tenant_repository, self.email, self.clock)

    @cached_property
    def policies(self) -> Any:
        from chalicelib.adapters.templates_jinja import available_templates
        from chalicelib.services.policies import PolicyService

        return PolicyService(
            self.policy_repository, self.clock,
            lambda: {"email": available_templates("email"), "sms": available_templates("sms")},
        )

    @cached_property
    def accounts(self) -> Any:
        from chalicelib.services.accounts import AccountService

        return AccountService(self.account_repository, self.policies, self.tenants, self.clock,
                              on_upsert=lambda account: self.payments.apply_waiting(account))

    @cached_property
    def links(self) -> Any:
        from chalicelib.services.links import LinkService

        return LinkService(self.link_secret.value, self.settings.public_base_url, self.settings.link_ttl_days,
                           self.short_links.get)

    @cached_property
    def remind(self) -> RemindService:
        from chalicelib.services.remind import RemindService

        return RemindService(
            accounts=self.account_repository, policies=self.policies, tenants=self.tenants,
            delivery=self.delivery, holidays=self.holidays, clock=self.clock,
        )

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
    def sweep(self) -> Any:
        from chalicelib.services.sweep import SweepService

        return SweepService(self.account_repository, self.settings.due_index_shards, self.clock)

    @cached_property
    def payments(self) -> Any:
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
    def portal(self) -> Any:
        from chalicelib.services.portal import PortalService

        return PortalService(accounts=self.account_repository, policies=self.policies, tenants=self.tenants,
                             links=self.links, notifier=self.notifier, clock=self.clock)

    @cached_property
    def figures(self) -> FinanceFigures:
        from chalicelib.services.figures import FinanceFigures

        return FinanceFigures(self.account_repository, self.clock)

    @cached_property
    def feedback(self) -> Any:
        from chalicelib.services.feedback import FeedbackService

        return FeedbackService(self.account_repository, self.notifier, self.clock)

    @cached_property
    def audit(self) -> Any:
        from chalicelib.services.audit import AuditService

        return AuditService(self.account_repository)

    @cached_property
    def finance_subscriptions(self) -> Any:
        from chalicelib.services.subscriptions import FinanceSubscriptions

        return FinanceSubscriptions(self.finance_topic)

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


def reset() -> None:
    """Forget everything built, e.g. after tests change the environment."""
    global _container
    _container = None
    settings.cache_clear()
    from chalicelib.adapters.aws import client

    client.cache_clear()
