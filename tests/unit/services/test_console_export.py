"""The audit export's request (services/console_export.py): its parameters, and cells a spreadsheet would run."""

from __future__ import annotations

from datetime import date

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.services.console_export import _csv_line, export_request

pytestmark = pytest.mark.unit

TODAY = date(2026, 12, 1)


def test_the_defaults_are_the_last_30_days_of_the_whole_tenant():
    asked = export_request("ten_1", {}, TODAY)
    assert (asked.account_id, asked.since, asked.until) == (None, date(2026, 11, 1), TODAY)
    assert asked.file_stem == "kindly-audit-all-accounts-2026-11-01-2026-12-01"


def test_one_account_and_one_day():
    asked = export_request("ten_1", {"account": "acct-1", "from": "2026-11-05", "to": "2026-11-05"}, TODAY)
    assert (asked.account_id, asked.since, asked.until) == ("acct-1", date(2026, 11, 5), date(2026, 11, 5))


@pytest.mark.parametrize("query, field", [
    ({"from": "2026-11-31"}, "from"), ({"to": "20261101"}, "to"), ({"from": "2026-11-05T00:00"}, "from"),
    ({"from": "2026-11-06", "to": "2026-11-05"}, "from"), ({"account": "a b"}, "account"), ({"page": "2"}, "page"),
    ({"from": "2020-01-01"}, "from"),
])
def test_bad_parameters_are_refused_naming_them(query, field):
    with pytest.raises(InvalidInput) as refused:
        export_request("ten_1", query, TODAY)
    assert refused.value.field == field


def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted():
    assert _csv_line(("=HYPERLINK(1)", "+1", "-1", "@x", "plain", 'a,"b"')) == (
        "'=HYPERLINK(1),'+1,'-1,'@x,plain,\"a,\"\"b\"\"\"\r\n")
