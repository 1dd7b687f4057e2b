"""The accounts table's stream records, read back as domain accounts (through the same model and mapping the
repository uses: pynamodb is loaded by then anyway, so no second decoder is imported)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from chalicelib.adapters.dynamodb.mapping import item_to_account
from chalicelib.adapters.dynamodb.models import Models
from chalicelib.domain.accounts import Account


def account_of(models: Models, image: dict[str, Any] | None) -> Account | None:
    """An image of the record (DynamoDB JSON) as an Account; None for no image (an insert's old image)."""
    return item_to_account(models.accounts.from_raw_data(image)) if image else None


def recorded_on(record: dict[str, Any]) -> date:
    """The UTC day the change was written: the record's ApproximateCreationDateTime, in seconds in a Lambda
    event, a datetime when boto3 read the record from the stream itself (the local poller)."""
    written = record["dynamodb"]["ApproximateCreationDateTime"]
    if isinstance(written, datetime):
        return written.astimezone(UTC).date()
    return datetime.fromtimestamp(float(written), UTC).date()
