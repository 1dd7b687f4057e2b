"""Typed settings, read from the environment once. The only module that reads os.environ."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from msgspec import Struct

REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(Struct, frozen=True):
    stage: str
    region: str
    tenants_table: str
    api_keys_table: str
    accounts_table: str
    messages_table: str
    audit_table: str
    policies_table: str
    links_table: str
    processor_refs_table: str
    parked_payments_table: str
    payments_table: str
    sweeps_table: str
    inbound_sms_table: str
    console_table: str
    figures_table: str
    accounts_stream_arn: str  # where figures_stream reads; infra/deploy.sh sets it from the infra stack
    reminders_queue: str
    figures_dropped_queue: str  # where Lambda reports batches of the accounts stream it gave up on
    finance_topic: str
    email_events_topic: str
    sms_inbound_topic: str
    ses_configuration_set: str
    link_secret_parameter: str
    webhook_secret_prefix: str
    console_keys_parameter: str
    public_base_url: str
    due_index_shards: int
    link_ttl_days: int

    @property
    def table_names(self) -> dict[str, str]:
        return {
            "tenants": self.tenants_table,
            "api_keys": self.api_keys_table,
            "accounts": self.accounts_table,
            "messages": self.messages_table,
            "audit": self.audit_table,
            "policies": self.policies_table,
            "links": self.links_table,
            "processor_refs": self.processor_refs_table,
            "parked_payments": self.parked_payments_table,
            "payments": self.payments_table,
            "sweeps": self.sweeps_table,
            "inbound_sms": self.inbound_sms_table,
            "console": self.console_table,
            "figures": self.figures_table,
        }


def read_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ

    def get(name: str, default: str) -> str:
        return (env.get(name) or "").strip() or default

    stage = get("KINDLY_STAGE", "local")
    prefix = f"kindly-{stage}"
    return Settings(
        stage=stage,
        region=get("AWS_REGION", get("AWS_DEFAULT_REGION", "us-east-1")),
        tenants_table=get("KINDLY_TENANTS_TABLE", f"{prefix}-tenants"),
        api_keys_table=get("KINDLY_API_KEYS_TABLE", f"{prefix}-api-keys"),
        accounts_table=get("KINDLY_ACCOUNTS_TABLE", f"{prefix}-accounts"),
        messages_table=get("KINDLY_MESSAGES_TABLE", f"{prefix}-messages"),
        audit_table=get("KINDLY_AUDIT_TABLE", f"{prefix}-audit"),
        policies_table=get("KINDLY_POLICIES_TABLE", f"{prefix}-policies"),
        links_table=get("KINDLY_LINKS_TABLE", f"{prefix}-links"),
        processor_refs_table=get("KINDLY_PROCESSOR_REFS_TABLE", f"{prefix}-processor-refs"),
        parked_payments_table=get("KINDLY_PARKED_PAYMENTS_TABLE", f"{prefix}-parked-payments"),
        payments_table=get("KINDLY_PAYMENTS_TABLE", f"{prefix}-payments"),
        sweeps_table=get("KINDLY_SWEEPS_TABLE", f"{prefix}-sweeps"),
        inbound_sms_table=get("KINDLY_INBOUND_SMS_TABLE", f"{prefix}-inbound-sms"),
        console_table=get("KINDLY_CONSOLE_TABLE", f"{prefix}-console"),
        figures_table=get("KINDLY_FIGURES_TABLE", f"{prefix}-figures"),
        accounts_stream_arn=get("KINDLY_ACCOUNTS_STREAM_ARN",
                                f"arn:aws:dynamodb:{get('AWS_REGION', get('AWS_DEFAULT_REGION', 'us-east-1'))}"
                                f":000000000000:table/{get('KINDLY_ACCOUNTS_TABLE', f'{prefix}-accounts')}"
                                "/stream/unset"),
        reminders_queue=get("KINDLY_REMINDERS_QUEUE", f"{prefix}-reminders"),
        figures_dropped_queue=get("KINDLY_FIGURES_DROPPED_QUEUE", f"{prefix}-figures-dropped"),
        finance_topic=get("KINDLY_FINANCE_TOPIC", f"{prefix}-finance"),
        email_events_topic=get("KINDLY_EMAIL_EVENTS_TOPIC", f"{prefix}-email-events"),
        sms_inbound_topic=get("KINDLY_SMS_INBOUND_TOPIC", f"{prefix}-sms-inbound"),
        ses_configuration_set=get("KINDLY_SES_CONFIGURATION_SET", f"{prefix}-email"),
        link_secret_parameter=get("KINDLY_LINK_SECRET_PARAMETER", f"/kindly/{stage}/link-secret"),
        webhook_secret_prefix=get("KINDLY_WEBHOOK_SECRET_PREFIX", f"/kindly/{stage}/webhook-secrets").rstrip("/"),
        console_keys_parameter=get("KINDLY_CONSOLE_KEYS_PARAMETER", f"/kindly/{stage}/console-keys"),
        public_base_url=get("KINDLY_PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        due_index_shards=int(get("KINDLY_DUE_INDEX_SHARDS", "4")),
        link_ttl_days=int(get("KINDLY_LINK_TTL_DAYS", "45")),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    return read_settings()


def in_lambda() -> bool:
    """Lambda sets both in every function's environment; chalice local, the CLI and the tests set neither."""
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ and "LAMBDA_TASK_ROOT" in os.environ


# --- the `kindly` command's own settings, and the stages it can load ------------------------------------


class CliSettings(Struct, frozen=True):
    stage: str  # when no --stage is given
    local_stack_file: Path  # where a running `kindly local up` says how to reach it
    log_level: str
    aws_endpoint_url: str | None  # set when the stand-ins of a local stack (or your own) are in use


def cli_settings(environ: Mapping[str, str] | None = None) -> CliSettings:
    """Read afresh on every call: loading a stage or a running local stack changes the environment."""
    env = os.environ if environ is None else environ
    return CliSettings(
        stage=(env.get("KINDLY_STAGE") or "").strip() or "local",
        # Tests point it elsewhere, so a suite run never meets the stack a developer has up in a terminal.
        local_stack_file=Path(env.get("KINDLY_LOCAL_STACK_FILE") or REPO_ROOT / ".kindly" / "local-stack.json"),
        log_level=(env.get("KINDLY_CLI_LOG_LEVEL") or "").strip() or "WARNING",
        aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
    )


class UnknownStage(ValueError):
    pass


def stage_variables(stage: str, root: Path = REPO_ROOT) -> dict[str, str]:
    """The environment `.chalice/config.json` gives the app on that stage (shared variables, then the stage's)."""
    config = json.loads((root / ".chalice" / "config.json").read_text())
    if stage not in config["stages"]:
        raise UnknownStage(f"unknown stage {stage!r}; .chalice/config.json has {', '.join(config['stages'])}")
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


def apply_stage(stage: str) -> None:
    """Give this process the stage's variables, as Chalice gives them to the app; the caller's own win."""
    for name, value in stage_variables(stage).items():
        os.environ.setdefault(name, value)
    settings.cache_clear()
