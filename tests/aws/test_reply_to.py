"""A debtor's written reply reaches a person: every email carries the tenant's Reply-To (its `--reply-to`, else
its support address), as SES (moto) receives the raw message."""

from __future__ import annotations

import email
import json
from datetime import datetime
from email.policy import default

import pytest

from chalicelib.adapters.clock import FixedClock
from chalicelib.bootstrap import Container
from chalicelib.in_process_sweep import run_sweep
from tests.aws.conftest import sent_emails
from tests.support.samples import account

AT = datetime.fromisoformat("2026-11-17T10:00:00+00:00")  # the +1 gentle reminder is due


def create_tenant(capsys, *extra: str) -> str:
    from chalicelib.cli.parser import build_parser

    args = build_parser().parse_args([
        "tenant", "create", "--name", "Acme Ltd", "--sender-email", "billing@acme.example.com", "--country", "ES",
        "--timezone", "Europe/Madrid", "--locale", "es-ES", *extra])
    assert args.func(args) == 0
    return json.loads(capsys.readouterr().out)["tenant_id"]


def reply_to_of_sent(aws, tenant_id: str) -> str | None:
    aws.accounts.upsert(tenant_id, "acct-1", account(), "test")
    before = len(sent_emails())
    run_sweep(Container(aws.settings, clock=FixedClock(AT)), AT)
    [sent] = sent_emails()[before:]
    return email.message_from_string(sent.raw_data, policy=default)["Reply-To"]


def test_the_tenants_reply_to_is_stored_shown_and_set_on_each_email(aws, capsys):
    tenant_id = create_tenant(capsys, "--reply-to", "cobros@acme.example.com", "--support-email",
                              "ayuda@acme.example.com")
    assert aws.tenant_repository.get(tenant_id).to_dict()["reply_to"] == "cobros@acme.example.com"
    assert reply_to_of_sent(aws, tenant_id) == "cobros@acme.example.com"


def test_without_a_reply_to_replies_go_to_the_support_address(aws, capsys):
    tenant_id = create_tenant(capsys, "--support-email", "ayuda@acme.example.com")
    assert reply_to_of_sent(aws, tenant_id) == "ayuda@acme.example.com"


def test_a_bad_reply_to_creates_no_tenant(aws, capsys):
    from chalicelib.domain.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        create_tenant(capsys, "--reply-to", "not-an-address")
    assert refused.value.field == "reply_to"
    assert aws.client("dynamodb").scan(TableName=aws.settings.table_names["tenants"])["Items"] == []


def tenant_set(*args: str) -> int:
    from chalicelib.cli.parser import build_parser

    parsed = build_parser().parse_args(["tenant", "set", *args])
    return int(parsed.func(parsed))


def test_tenant_set_changes_the_reply_to_the_next_email_carries_and_clears_it(aws, capsys):
    tenant_id = create_tenant(capsys, "--support-email", "ayuda@acme.example.com")

    assert tenant_set("--tenant", tenant_id, "--reply-to", "cobros@acme.example.com") == 0
    assert json.loads(capsys.readouterr().out)["reply_to"] == "cobros@acme.example.com"
    assert reply_to_of_sent(aws, tenant_id) == "cobros@acme.example.com"

    assert tenant_set("--tenant", tenant_id, "--reply-to", "") == 0
    assert json.loads(capsys.readouterr().out)["reply_to"] is None
    assert aws.tenant_repository.get(tenant_id).reply_address == "ayuda@acme.example.com"


def test_tenant_set_refuses_a_bad_reply_to_before_writing_anything(aws, capsys):
    from chalicelib.cli.usage import UsageError

    tenant_id = create_tenant(capsys, "--reply-to", "cobros@acme.example.com")

    with pytest.raises(UsageError, match="--reply-to"):
        tenant_set("--tenant", tenant_id, "--reply-to", "not-an-address", "--excluded-days", "2026-12-24")
    stored = aws.tenant_repository.get(tenant_id)
    assert stored.reply_to == "cobros@acme.example.com" and stored.excluded_days == ()
