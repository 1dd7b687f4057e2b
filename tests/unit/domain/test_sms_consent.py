from datetime import UTC, datetime

from chalicelib.domain.accounts import Account, SmsConsent
from chalicelib.domain.sms_consent import opt_back_in_to_sms, opt_out_of_sms

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def _account(**fields):
    return Account(tenant_id="t1", account_id="a1", name="Ada", locale="en-US", policy="standard", phone="+15555550100",
                   sms_consent=SmsConsent("checkout-form", datetime(2026, 1, 5, tzinfo=UTC)), **fields)


def test_opting_out_records_once():
    account = _account()
    assert opt_out_of_sms(account, NOW, "debtor:sms", "stop_reply")
    assert not opt_out_of_sms(account, NOW, "debtor:sms", "stop_reply")
    assert account.sms_opted_out
    assert [e.type for e in account.pending_events] == ["sms_opted_out"]
    assert account.pending_events[0].actor == "debtor:sms"


def test_opting_back_in_records_the_new_consent():
    account = _account(sms_opted_out=True)
    assert opt_back_in_to_sms(account, NOW, "debtor:sms", "sms-reply")
    assert not account.sms_opted_out
    assert account.sms_consent == SmsConsent("sms-reply", NOW)
    assert not opt_back_in_to_sms(account, NOW, "debtor:sms", "sms-reply")
    assert [e.type for e in account.pending_events] == ["sms_opted_in"]


def test_no_number_nothing_to_restart():
    account = Account(tenant_id="t1", account_id="a1", name="Ada", locale="en-US", policy="standard",
                      sms_opted_out=True)
    assert not opt_back_in_to_sms(account, NOW, "debtor:sms", "sms-reply")
    assert account.pending_events == []
