"""What the sweep's circuit breaker keeps per tenant (ports.SweepLedger)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.adapters.dynamodb.models import Models
from chalicelib.domain.sweep_holds import SweepHold, SweepLimits, hold_from_stored, hold_to_stored
from chalicelib.domain.times import iso


class DynamoSweepLedger:
    """ports.SweepLedger on the sweeps table: one partition per tenant, so nothing here reads another tenant."""

    SENT = "sent#"
    HOLD = "hold#"
    LIMITS = "limits"
    COUNT_DAYS = 35  # a day's count outlives the trailing window it is read for

    def __init__(self, models: Models) -> None:
        self._model = models.sweeps

    def count_sent(self, tenant_id: str, day: date, messages: int = 1) -> None:
        model = self._model
        expires = datetime.combine(day + timedelta(days=self.COUNT_DAYS), time(0), UTC)
        model(tenant_id, f"{self.SENT}{day.isoformat()}").update(
            actions=[model.count.add(messages), model.expires_at.set(expires)])

    def sent_counts(self, tenant_id: str, first: date, last: date) -> dict[date, int]:
        model = self._model
        found = model.query(tenant_id, model.key.between(f"{self.SENT}{first.isoformat()}",
                                                         f"{self.SENT}{last.isoformat()}"), consistent_read=True)
        return {date.fromisoformat(item.key.removeprefix(self.SENT)): int(item.count or 0) for item in found}

    def limits(self, tenant_id: str) -> SweepLimits | None:
        try:
            item = self._model.get(tenant_id, self.LIMITS, consistent_read=True)
        except DoesNotExist:
            return None
        return SweepLimits(float(item.body["multiple"]), int(item.body["floor"]))

    def set_limits(self, tenant_id: str, limits: SweepLimits) -> None:
        self._model(tenant_id, self.LIMITS, body=limits.to_dict()).save()

    def holds(self, tenant_id: str, limit: int = 20) -> list[SweepHold]:
        model = self._model
        found = model.query(tenant_id, model.key.startswith(self.HOLD), scan_index_forward=False, limit=limit,
                            consistent_read=True)
        return [hold_from_stored(tenant_id, item.body) for item in found]

    def save_hold(self, hold: SweepHold, expected_status: str | None) -> bool:
        model = self._model
        item = model(hold.tenant_id, f"{self.HOLD}{iso(hold.held_at)}", body=hold_to_stored(hold),
                     status=hold.status)
        condition = model.key.does_not_exist() if expected_status is None else model.status == expected_status
        try:
            item.save(condition=condition)
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
