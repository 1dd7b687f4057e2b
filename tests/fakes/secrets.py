"""Secrets kept in SSM: each tenant's webhook signing secrets, and the link-signing secret."""

from __future__ import annotations

from typing import TYPE_CHECKING


class FakeWebhookSecrets:
    """ports.WebhookSecrets: write-only from the API, read by the webhook."""

    def __init__(self, secrets: dict[tuple[str, str], str] | None = None) -> None:
        self.secrets = dict(secrets or {})

    def put(self, tenant_id: str, provider: str, secret: str) -> None:
        self.secrets[(tenant_id, provider)] = secret

    def get(self, tenant_id: str, provider: str) -> str | None:
        return self.secrets.get((tenant_id, provider))


class FakeLinkSecret:
    """adapters.secrets_ssm.SsmSecret: the bytes that sign self-service links."""

    def __init__(self, value: bytes = b"fake-link-signing-secret-for-tests-only") -> None:
        self._value = value

    def value(self) -> bytes:
        return self._value

    def ensure(self) -> bool:
        return False


if TYPE_CHECKING:
    from chalicelib.domain import ports

    _secrets: ports.WebhookSecrets = FakeWebhookSecrets()
    _link_secret: ports.LinkSecret = FakeLinkSecret()
