"""boto3 clients. Endpoints come from the standard AWS_ENDPOINT_URL* variables, never from code."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=16)
def client(service: str, region: str) -> Any:
    import logging

    import boto3
    from botocore.config import Config

    logging.getLogger("botocore.credentials").setLevel(logging.WARNING)  # "Found credentials in ..." per client

    # Standard retry mode backs off on throttling (SES/SNS/SQS/SSM) before we ever see an error.
    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=10)
    return boto3.session.Session().client(service, region_name=region, config=config)


def error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


THROTTLE_CODES = frozenset(
    {"Throttling", "ThrottlingException", "TooManyRequestsException", "LimitExceededException",
     "SendingPausedException", "ServiceUnavailable", "InternalFailure",
     "Throttled"}  # SNS's ThrottledException (HTTP 429)
)


def is_throttle(exc: Exception) -> bool:
    return error_code(exc) in THROTTLE_CODES
