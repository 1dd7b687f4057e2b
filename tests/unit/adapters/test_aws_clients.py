"""A client on first use is built by the first call that needs it (reading a service's model costs tens of
milliseconds of a cold start), and is then the same cached client the app's other adapters get."""

from __future__ import annotations

import pytest

from chalicelib.adapters import aws

pytestmark = pytest.mark.unit


def test_a_client_on_first_use_is_built_by_its_first_use_and_is_the_cached_one(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")  # building a client looks for credentials, not the network
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    aws.client.cache_clear()
    try:
        lazy = aws.ClientOnFirstUse("sns", "eu-west-1")
        assert aws.client.cache_info().currsize == 0

        assert lazy.meta.service_model.service_name == "sns"
        assert lazy.meta.region_name == "eu-west-1"
        assert aws.client.cache_info().currsize == 1
        assert lazy.meta is aws.client("sns", "eu-west-1").meta
    finally:
        aws.client.cache_clear()
