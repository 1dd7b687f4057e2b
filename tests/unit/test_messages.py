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
