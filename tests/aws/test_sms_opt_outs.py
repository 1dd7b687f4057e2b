"""SNS's own opt-out list is honoured before each SMS, through the real adapter on moto (which reports every
number ending in 99 as opted out): the account stops getting SMS, audited once, instead of failing every step."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from unittest import mock

from chalicelib.adapters.clock import FixedClock
from chalicelib.bootstrap import Container
from chalicelib.in_process_sweep import run_sweep
from tests.aws.conftest import sent_sms
from tests.support.samples import account

OPTED_OUT = "+34600123499"  # moto's opt-out list: numbers ending in 99


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def sweep(aws: Any, text: str) -> dict[str, Any]:
    return run_sweep(Container(aws.settings, clock=FixedClock(instant(text))), instant(text))


def test_a_number_on_snss_opt_out_list_gets_no_sms_and_the_account_is_opted_out_once(aws, tenant):
    aws.accounts.upsert(tenant["tenant_id"], "acct-1", account(phone=OPTED_OUT), "test")
    # 20 Nov: the +4 SMS step is the latest due
    sweep(aws, "2026-11-20T10:00:00Z")
    assert sent_sms() == []
    stored = aws.accounts.get(tenant["tenant_id"], "acct-1")
    assert stored.sms_opted_out is True
    events = aws.audit.timeline(tenant["tenant_id"], "acct-1")
    [opt_out] = [e for e in events if e.type == "sms_opted_out"]
    assert (opt_out.actor, opt_out.details["reason"]) == ("sns", "sns_opt_out_list")
    [failed] = [e for e in events if e.type == "message_failed"]
    assert failed.details["reason"] == "sms_opted_out"
    # Later passes never try SMS again for this account, and record no second opt-out
    sweep(aws, "2026-11-25T10:00:00Z")
    sweep(aws, "2026-12-10T10:00:00Z")
    later = aws.audit.timeline(tenant["tenant_id"], "acct-1")
    assert [e.type for e in later].count("sms_opted_out") == 1
    assert [e.type for e in later].count("message_failed") == 1
    assert sent_sms() == []


def test_the_list_is_asked_once_per_number_while_its_answer_is_fresh(aws, tenant):
    from botocore.client import BaseClient

    for account_id in ("acct-1", "acct-2"):  # one debtor's number on two accounts
        aws.accounts.upsert(tenant["tenant_id"], account_id, account(), "test")
    calls: Counter[str] = Counter()
    original = BaseClient._make_api_call

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls[operation] += 1
        return original(self, operation, params)

    worker = Container(aws.settings, clock=FixedClock(instant("2026-11-20T10:00:00Z")))
    with mock.patch.object(BaseClient, "_make_api_call", counted):
        run_sweep(worker, instant("2026-11-20T10:00:00Z"))
    assert len(sent_sms()) == 2
    assert calls["CheckIfPhoneNumberIsOptedOut"] == 1
