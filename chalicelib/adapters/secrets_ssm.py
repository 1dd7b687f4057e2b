"""The link-signing secret, kept in SSM Parameter Store (SecureString), never in the repo or config."""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib.adapters.aws import error_code


class SsmSecret:
    def __init__(self, client: Any, name: str) -> None:
        self._client = client
        self._name = name
        self._value: bytes | None = None

    def value(self) -> bytes:
        if self._value is None:
            response = self._client.get_parameter(Name=self._name, WithDecryption=True)
            self._value = response["Parameter"]["Value"].encode()
        return self._value

    def ensure(self) -> bool:
        """Create the secret with fresh random bytes if it is missing; True if created."""
        try:
            self._client.put_parameter(
                Name=self._name, Value=secrets.token_urlsafe(48), Type="SecureString", Overwrite=False
            )
        except Exception as exc:
            if error_code(exc) == "ParameterAlreadyExists":
                return False
            raise
        return True


class SsmWebhookSecrets:
    """Each tenant's webhook signing secrets, one SecureString per provider under a per-stage prefix: encrypted
    at rest by KMS, write-only through the API, and cached in memory for a few minutes so a webhook costs no
    SSM call most of the time."""

    CACHE_SECONDS = 300.0
    MISSING_CACHE_SECONDS = 30.0  # a secret just set elsewhere is picked up soon

    def __init__(self, client: Any, prefix: str, monotonic: Any = None) -> None:
        import time

        self._client = client
        self._prefix = prefix
        self._monotonic = monotonic or time.monotonic
        self._cache: dict[tuple[str, str], tuple[float, str | None]] = {}

    def _name(self, tenant_id: str, provider: str) -> str:
        return f"{self._prefix}/{tenant_id}/{provider}"

    def put(self, tenant_id: str, provider: str, secret: str) -> None:
        self._client.put_parameter(Name=self._name(tenant_id, provider), Value=secret, Type="SecureString",
                                   Overwrite=True)
        self._cache.pop((tenant_id, provider), None)

    def get(self, tenant_id: str, provider: str) -> str | None:
        key = (tenant_id, provider)
        cached = self._cache.get(key)
        if cached is not None:
            ttl = self.CACHE_SECONDS if cached[1] is not None else self.MISSING_CACHE_SECONDS
            if self._monotonic() - cached[0] < ttl:
                return cached[1]
        try:
            response = self._client.get_parameter(Name=self._name(tenant_id, provider), WithDecryption=True)
            value: str | None = response["Parameter"]["Value"]
        except Exception as exc:
            if error_code(exc) != "ParameterNotFound":
                raise
            value = None
        self._cache[key] = (self._monotonic(), value)
        return value


class SsmSessionKeys:
    """The keys that sign console sessions, one SecureString holding "current previous": a rotation makes a new
    current key and keeps the old one as the previous, so the cookies it signed stay valid until they expire."""

    CACHE_SECONDS = 300.0  # a rotation reaches every warm function within minutes; old cookies still pass

    def __init__(self, client: Any, name: str, monotonic: Any = None) -> None:
        import time

        self._client = client
        self._name = name
        self._monotonic = monotonic or time.monotonic
        self._cached: tuple[float, list[bytes]] | None = None

    def keys(self) -> list[bytes]:
        if self._cached is None or self._monotonic() - self._cached[0] >= self.CACHE_SECONDS:
            self._cached = (self._monotonic(), [key.encode() for key in self._read().split()])
        return self._cached[1]

    def _read(self) -> str:
        return str(self._client.get_parameter(Name=self._name, WithDecryption=True)["Parameter"]["Value"])

    def ensure(self) -> bool:
        try:
            self._client.put_parameter(Name=self._name, Value=secrets.token_urlsafe(48), Type="SecureString",
                                       Overwrite=False)
        except Exception as exc:
            if error_code(exc) == "ParameterAlreadyExists":
                return False
            raise
        return True

    def rotate(self) -> None:
        current = self._read().split()[0]
        self._client.put_parameter(Name=self._name, Value=f"{secrets.token_urlsafe(48)} {current}",
                                   Type="SecureString", Overwrite=True)
        self._cached = None
