"""Message identity: what a sent message carries so its delivery events find their way back."""

from __future__ import annotations

import re

from chalicelib.domain.messages import account_from_tag, account_tag


def test_an_account_id_survives_the_ses_tag_alphabet():
    for account_id in ("acct-1", "cust:42@eu.example", "Ñandú.7"):
        tag = account_tag(account_id)
        assert re.fullmatch(r"[a-z2-7]+", tag)
        assert account_from_tag(tag) == account_id
    assert account_from_tag("not base32!") is None


def test_a_failing_send_waits_longer_each_time_and_is_given_up_after_the_cap():
    from datetime import timedelta

    from chalicelib.domain.messages import MAX_SEND_ATTEMPTS, retry_after

    waits = [retry_after(attempt) for attempt in range(1, MAX_SEND_ATTEMPTS + 1)]
    minutes = [w // timedelta(minutes=1) if w else None for w in waits]
    assert minutes == [5, 15, 45, 135, 360, None]  # the fifth wait would be 405 minutes: capped at six hours
    assert retry_after(MAX_SEND_ATTEMPTS + 3) is None
