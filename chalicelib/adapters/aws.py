"""AWS clients, made by botocore (what boto3's clients are: boto3 itself adds only resources and S3 transfers,
which Kindly does not use, and costs the queue worker's cold start tens of milliseconds of imports, s3transfer
and multiprocessing among them). Endpoints come from the standard AWS_ENDPOINT_URL* variables, never from code."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=16)
def client(service: str, region: str) -> Any:
    import logging

    from botocore.config import Config
    from botocore.session import get_session

    logging.getLogger("botocore.credentials").setLevel(logging.WARNING)  # "Found credentials in ..." per client

    # Standard retry mode backs off on throttling (SES/SNS/SQS/SSM) before we ever see an error.
    config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=10)
    session = share_data_loader(get_session())  # a session of its own (sessions are not thread-safe)
    return session.create_client(service, region_name=region, config=config)


_LOADER: list[Any] = []  # the process's one botocore data loader, once a session has made it


def share_data_loader(session: Any) -> Any:
    """Give a botocore session the process's one data loader, which caches what it reads: a session of its own
    would read botocore's endpoint data (about 20 ms of JSON) and its service's model again (botocore issue
    3078). The first session's loader becomes the shared one, so the data path is the one botocore configures."""
    if not _LOADER:
        _LOADER.append(session.get_component("data_loader"))
    session.register_component("data_loader", _LOADER[0])
    return session


class ClientOnFirstUse:
    """An AWS client built when first used. Building one reads its service's model (tens of milliseconds): the
    queue worker's email reminders need not pay for the SNS client that only texts and finance alerts use."""

    def __init__(self, service: str, region: str) -> None:
        self._service = service
        self._region = region

    def __getattr__(self, name: str) -> Any:
        return getattr(client(self._service, self._region), name)


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
