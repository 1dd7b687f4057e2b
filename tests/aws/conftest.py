"""AWS tests: moto in-process (mock_aws) behind the real adapters, and chalice.test.Client for the app."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from moto import mock_aws

from tests.support.samples import stage_environment

MOTO_ACCOUNT = "123456789012"
REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh moto world with Kindly initialised in it; yields the app's container."""
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name.startswith("KINDLY_"):
            monkeypatch.delenv(name)
    for name, value in {**stage_environment("local"), "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
                        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        # moto serves DynamoDB Streams (the figures' stream) only on the regional host
                        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}.items():
        monkeypatch.setenv(name, value)
    from chalicelib.adapters.provision import initialise
    from chalicelib.bootstrap import container, reset

    with mock_aws():
        reset()
        initialise(container())
        yield container()
        reset()


@pytest.fixture
def client(aws: Any) -> Iterator[Any]:
    from chalice.test import Client

    from app import app

    with Client(app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def app_clock(aws: Any) -> Iterator[Callable[[datetime], Any]]:
    """`app_clock(instant)` stops the routes' clock (what chalice.test.Client requests run with) at `instant`.

    A webhook dates what it applies (the payment's thank-you, the audit) by the app's clock, while the tests
    sweep at fixed instants: with the app's clock stopped before those, the payment comes before the sweeps on
    any date the suite runs. (The processors still check signatures and event times against the real clock, so
    events are dated at a fixed instant in the past, not by the app's clock.)"""
    from chalicelib import bootstrap
    from chalicelib.adapters.clock import FixedClock

    def stop_at(instant: datetime) -> Any:
        bootstrap._container = bootstrap.Container(aws.settings, clock=FixedClock(instant))
        return bootstrap._container

    yield stop_at
    bootstrap._container = aws  # the routes' own container again, before the aws fixture forgets it


@pytest.fixture
def tenant(aws: Any) -> dict[str, str]:
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn

    created, key = aws.tenants.create(parse(TenantIn, {
        "name": "Acme Ltd", "sender_email": "billing@acme.example.com", "country": "ES", "timezone": "Europe/Madrid",
        "locale": "es-ES"}))
    return {"tenant_id": created.tenant_id, "api_key": key}


@pytest.fixture
def other_tenant(aws: Any) -> dict[str, str]:
    from chalicelib.inputs.parsing import parse
    from chalicelib.inputs.tenants import TenantIn

    created, key = aws.tenants.create(parse(TenantIn, {"name": "Globex", "sender_email": "ar@globex.example.com"}))
    return {"tenant_id": created.tenant_id, "api_key": key}


@pytest.fixture
def kindly(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """`kindly ...` in-process against the test's moto world (no local stack to look for): returns main."""
    from chalicelib import cli
    from chalicelib.cli import stage

    monkeypatch.setattr(stage, "use_running_local_stack", lambda: None)
    return cli.main


def sent_emails() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends[MOTO_ACCOUNT][REGION].sent_messages)


def sent_sms() -> list[Any]:
    from moto.sns.models import sns_backends

    return list(sns_backends[MOTO_ACCOUNT][REGION].sms_messages.values())
