"""The monthly cost follows the measured units: twice the units, twice the DynamoDB bill."""

from __future__ import annotations

from dataclasses import replace

from bench.costing import PRICES, Measured, monthly_cost

MEASURED = Measured(reminder_read_units=0.0, reminder_write_units=20.0, sweep_read_units_per_due_account=0.12,
                    empty_sweep_read_units=2.0, webhook_read_units=1.0, webhook_write_units=10.0)


def test_dynamodb_cost_is_the_measured_units_at_list_price() -> None:
    cost = monthly_cost(MEASURED)
    sent = 100_000 * 0.15 * 3
    webhooks = 100_000 * 0.15
    reads = sent * 0.12 + 2880 * 2.0 + webhooks * 1.0
    writes = sent * 20.0 + webhooks * 10.0
    expected = reads * PRICES["dynamodb_read_request_unit"] + writes * PRICES["dynamodb_write_request_unit"]
    assert cost["usd_per_month"]["dynamodb"] == round(expected, 2)
    assert cost["dynamodb_units_per_month"] == {"read": round(reads), "write": round(writes)}
    assert cost["total_usd_per_month"] == round(sum(cost["usd_per_month"].values()), 2)


def test_more_units_cost_more() -> None:
    heavier = monthly_cost(replace(MEASURED, reminder_write_units=40.0))
    assert heavier["usd_per_month"]["dynamodb"] > monthly_cost(MEASURED)["usd_per_month"]["dynamodb"]
    assert heavier["usd_per_month"]["ses"] == monthly_cost(MEASURED)["usd_per_month"]["ses"]
