"""Whether an account may be texted, as the debtor said it: an opt-out by any reasonable means is honoured at
once (TCPA, 47 CFR 64.1200(a)(10); Reg F 12 CFR 1006.6(e)), and only the debtor's own request restores it.
Every path that stops or restarts SMS (a STOP reply, SNS's opt-out list, an OptedOut refusal at send time)
goes through these two functions, so each change is audited the same way and a repeat records nothing."""

from __future__ import annotations

from datetime import datetime

from .accounts import Account, SmsConsent


def opt_out_of_sms(account: Account, now: datetime, actor: str, reason: str) -> bool:
    """Stop SMS to this account; False (and nothing recorded) when it was already stopped."""
    if account.sms_opted_out:
        return False
    account.sms_opted_out = True
    account.updated_at = now
    account.record(now, "sms_opted_out", actor, {"reason": reason, "channel": "sms"})
    return True


def opt_back_in_to_sms(account: Account, now: datetime, actor: str, source: str) -> bool:
    """The debtor asked for texts again (START, UNSTOP): consent from that request; False when nothing changed."""
    if not account.phone or (not account.sms_opted_out and account.sms_consent is not None):
        return False
    account.sms_opted_out = False
    account.sms_consent = SmsConsent(source, now)
    account.updated_at = now
    account.record(now, "sms_opted_in", actor, {"source": source, "channel": "sms"})
    return True
