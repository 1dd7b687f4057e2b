"""The variables that point every boto3 / pynamodb client at the local stand-ins for AWS."""

from __future__ import annotations

REGION = "us-east-1"
FAKE_CREDENTIAL = "testing"


def local_environment(moto_url: str, dynamodb_url: str | None = None) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_url or moto_url,
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": dynamodb_url or moto_url,  # the figures' stream (local/figures_poller)
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
        "AWS_SESSION_TOKEN": FAKE_CREDENTIAL,
        # botocore 1.44 sends DynamoDB Streams calls to an account-specific host moto does not serve.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }
