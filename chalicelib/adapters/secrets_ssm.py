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
