"""Short links the messages carry."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.adapters.dynamodb.models import Models
from chalicelib.domain.links import ShortLink


class DynamoLinks:
    def __init__(self, models: Models) -> None:
        self._model = models.links

    def get(self, code: str) -> ShortLink | None:
        try:
            item = self._model.get(code)
        except DoesNotExist:
            return None
        return ShortLink(item.code, item.tenant_id, item.account_id, item.purpose, item.expires_at)
