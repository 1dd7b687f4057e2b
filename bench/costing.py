"""Cost per 100k accounts a month, from the capacity units and calls the benchmark measured: pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# AWS list prices, us-east-1, as published in 2026 (per unit named).
PRICES = {
    "dynamodb_write_request_unit": 0.625 / 1_000_000,
    "dynamodb_read_request_unit": 0.125 / 1_000_000,
    "ses_email": 0.10 / 1000,
    "sns_sms_us": 0.00581,
    "sqs_request": 0.40 / 1_000_000,
    "lambda_request": 0.20 / 1_000_000,
    "lambda_gb_second": 0.0000166667,
    "eventbridge_schedule": 0.0,  # scheduled rules on the default bus are free
}

ACCOUNTS = 100_000
OVERDUE_SHARE = 0.15  # accounts with something overdue in a month
REMINDERS_PER_OVERDUE = 3.0  # emails in a month under the standard policy
SMS_SHARE = 0.1  # of reminders
PAYMENTS_PER_OVERDUE = 1.0  # webhooks in a month per overdue account
SWEEPS_PER_MONTH = 30 * 24 * 4  # every 15 minutes
LAMBDA_SECONDS = 0.5
LAMBDA_GB = 0.512


@dataclass(frozen=True)
class Measured:
    """Units per thing, as the benchmark measured them (ReturnConsumedCapacity, or item sizes when the local
    stand-in reports none)."""

    reminder_read_units: float
    reminder_write_units: float
    sweep_read_units_per_due_account: float
    empty_sweep_read_units: float  # the due index's queries when nothing is due (one per shard)
    webhook_read_units: float
    webhook_write_units: float


def monthly_cost(measured: Measured) -> dict[str, Any]:
    sent = ACCOUNTS * OVERDUE_SHARE * REMINDERS_PER_OVERDUE
    webhooks = ACCOUNTS * OVERDUE_SHARE * PAYMENTS_PER_OVERDUE
    read_units = (sent * (measured.reminder_read_units + measured.sweep_read_units_per_due_account)
                  + SWEEPS_PER_MONTH * measured.empty_sweep_read_units + webhooks * measured.webhook_read_units)
    write_units = sent * measured.reminder_write_units + webhooks * measured.webhook_write_units
    lambda_invocations = SWEEPS_PER_MONTH + sent / 10 + webhooks + 30_000  # sweeps, worker batches, webhooks, API
    cost = {
        "dynamodb": round(read_units * PRICES["dynamodb_read_request_unit"]
                          + write_units * PRICES["dynamodb_write_request_unit"], 2),
        "ses": round(sent * (1 - SMS_SHARE) * PRICES["ses_email"], 2),
        "sns_sms": round(sent * SMS_SHARE * PRICES["sns_sms_us"], 2),
        "sqs": round(sent * 3 * PRICES["sqs_request"], 2),  # send, receive, delete
        "lambda": round(lambda_invocations * PRICES["lambda_request"]
                        + lambda_invocations * LAMBDA_SECONDS * LAMBDA_GB * PRICES["lambda_gb_second"], 2),
    }
    return {"usd_per_month": cost, "total_usd_per_month": round(sum(cost.values()), 2),
            "dynamodb_units_per_month": {"read": round(read_units), "write": round(write_units)},
            "measured_units": measured.__dict__,
            "assumptions": {"accounts": ACCOUNTS, "overdue_share": OVERDUE_SHARE,
                            "reminders_per_overdue_account": REMINDERS_PER_OVERDUE, "sms_share": SMS_SHARE,
                            "payments_per_overdue_account": PAYMENTS_PER_OVERDUE, "reminders_sent": sent,
                            "sweeps_per_month": SWEEPS_PER_MONTH, "lambda_avg_seconds": LAMBDA_SECONDS,
                            "lambda_memory_gb": LAMBDA_GB, "prices": PRICES}}
