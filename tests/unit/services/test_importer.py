"""CSV import for a first load: rows grouped per account, an account written only if all its rows are
valid, every problem reported with its line number, the other accounts kept (SPEC capability 1, API.md)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.errors import InvalidInput
from chalicelib.services.importer import import_csv

pytestmark = pytest.mark.unit

HEADER = "account_id,name,email,timezone,tags,invoice_id,amount,currency,issued_on,due_on"


# --- builders ----------------------------------------------------------------------------------

def row(account_id: str, invoice_id: str, amount: str = "4900", name: str = "Ana García",
        email: str = "ana@example.com", tags: str = "smb") -> str:
    return f"{account_id},{name},{email},Europe/Madrid,{tags},{invoice_id},{amount},EUR,2026-11-01,2026-11-15"


def csv_lines(*rows: str, header: str = HEADER) -> list[str]:
    return [header + "\n", *(r + "\n" for r in rows)]


class FakeUpsert:
    """Records each upsert; refuses the accounts it is told to, like the real service would."""

    def __init__(self, refuse: set[str] = frozenset(), existing: set[str] = frozenset()) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refuse = refuse
        self.existing = existing

    def __call__(self, account_id: str, body: dict[str, Any]) -> tuple[Any, bool]:
        self.calls.append((account_id, body))
        if account_id in self.refuse:
            raise InvalidInput("bad", "email")
        return object(), account_id not in self.existing

    @property
    def written(self) -> list[str]:
        return [account_id for account_id, _ in self.calls if account_id not in self.refuse]

    def body(self, account_id: str) -> dict[str, Any]:
        return next(body for aid, body in self.calls if aid == account_id)


def error_for(result: dict[str, Any], **match: Any) -> dict[str, Any]:
    found = [e for e in result["errors"] if all(e.get(k) == v for k, v in match.items())]
    assert len(found) == 1, result["errors"]
    return found[0]


# --- grouping ----------------------------------------------------------------------------------

def test_rows_of_one_account_become_one_body_with_all_its_invoices():
    # Given two invoices for A (not adjacent) and one for B
    upsert = FakeUpsert()
    result = import_csv(csv_lines(row("A", "INV-1"), row("B", "INV-2", name="Bob"), row("A", "INV-3", "2500")),
                        upsert)
    # Then A and B are each upserted once, A with both invoices in file order
    assert [aid for aid, _ in upsert.calls] == ["A", "B"]
    body = upsert.body("A")
    assert [inv["id"] for inv in body["invoices"]] == ["INV-1", "INV-3"]
    assert [inv["amount"] for inv in body["invoices"]] == [4900, 2500]
    assert body["invoices"][0] == {"id": "INV-1", "amount": 4900, "currency": "EUR",
                                   "issued_on": "2026-11-01", "due_on": "2026-11-15"}
    assert (body["name"], body["email"], body["timezone"], body["tags"]) == \
        ("Ana García", "ana@example.com", "Europe/Madrid", ["smb"])
    assert result == {"created": 2, "updated": 0, "errors": []}


def test_amounts_reach_the_body_as_integers():
    upsert = FakeUpsert()
    import_csv(csv_lines(row("A", "INV-1", " 4900 ")), upsert)
    assert upsert.body("A")["invoices"][0]["amount"] == 4900


def test_created_and_updated_accounts_are_counted_apart():
    upsert = FakeUpsert(existing={"B"})
    result = import_csv(csv_lines(row("A", "INV-1"), row("B", "INV-2")), upsert)
    assert (result["created"], result["updated"]) == (1, 1)


def test_tags_are_split_on_semicolons():
    upsert = FakeUpsert()
    import_csv(csv_lines(row("A", "INV-1", tags="smb; vip;")), upsert)
    assert upsert.body("A")["tags"] == ["smb", "vip"]


def test_unicode_names_survive_the_import():
    upsert = FakeUpsert()
    import_csv(csv_lines(row("A", "INV-1", name="Zoë Ñúñez 李小龍 🙂")), upsert)
    assert upsert.body("A")["name"] == "Zoë Ñúñez 李小龍 🙂"


# --- a bad row rejects only its account ---------------------------------------------------------------

@pytest.mark.parametrize("amount", ["49.00", "abc", "", "\"4,900\"", "1e3"])
def test_a_bad_amount_rejects_only_that_account_and_reports_its_line(amount):
    # Given A's second invoice (line 4) has a bad amount
    upsert = FakeUpsert()
    result = import_csv(csv_lines(row("A", "INV-1"), row("B", "INV-2"), row("A", "INV-3", amount)), upsert)
    # Then A is not written at all (a missing invoice would look paid), B is
    assert upsert.written == ["B"]
    error = error_for(result, account_id="A")
    assert error["line"] == 4
    assert "amount" in error["message"]
    assert (result["created"], len(result["errors"])) == (1, 1)


def test_an_account_the_upsert_refuses_is_reported_with_line_and_field_and_others_are_kept():
    # Given the service refuses B (say, its email)
    upsert = FakeUpsert(refuse={"B"})
    result = import_csv(csv_lines(row("A", "INV-1"), row("B", "INV-2", email="nope"), row("C", "INV-3"),
                                  row("B", "INV-4")), upsert)
    # Then B is reported at its first line, naming the field and the reason; A and C are written
    assert upsert.written == ["A", "C"]
    assert error_for(result, account_id="B") == {"line": 3, "account_id": "B", "field": "email", "message": "bad"}
    assert result["created"] == 2


def test_an_empty_account_id_is_reported_with_its_line_and_others_are_kept():
    upsert = FakeUpsert()
    result = import_csv(csv_lines(row("A", "INV-1"), row("  ", "INV-2"), row("C", "INV-3")), upsert)
    assert upsert.written == ["A", "C"]
    error = error_for(result, line=3)
    assert "account_id" in error["message"]


def test_every_problem_is_reported_not_just_the_first():
    upsert = FakeUpsert(refuse={"D"})
    result = import_csv(csv_lines(row("A", "INV-1", "x"), row("", "INV-2"), row("C", "INV-3", "1.5"),
                                  row("D", "INV-4"), row("E", "INV-5")), upsert)
    assert sorted(e["line"] for e in result["errors"]) == [2, 3, 4, 5]
    assert upsert.written == ["E"]


# --- a bad header rejects the whole file ---------------------------------------------------------------

def test_an_unknown_column_writes_nothing_and_reports_line_one():
    upsert = FakeUpsert()
    result = import_csv(csv_lines(row("A", "INV-1") + ",red", header=HEADER + ",colour"), upsert)
    assert upsert.calls == []
    assert result["created"] == result["updated"] == 0
    error = error_for(result, line=1)
    assert "colour" in error["message"]


def test_a_file_without_account_id_column_writes_nothing():
    upsert = FakeUpsert()
    result = import_csv(["name,email\n", "Ana,ana@example.com\n"], upsert)
    assert upsert.calls == []
    assert error_for(result, line=1)["message"]


# --- through the real intake, over the fakes ----------------------------------------------------------

def test_an_import_writes_the_valid_accounts_through_intake_and_none_of_the_bad_ones(accounts, faked, tenant):
    lines = csv_lines(row("acct-ok", "INV-1"), row("acct-ok", "INV-2", amount="1000"),
                      row("acct-bad-amount", "INV-3"), row("acct-bad-amount", "INV-4", amount="12.50"),
                      row("acct-bad-email", "INV-5", email="not-an-address"))

    result = import_csv(lines, lambda account_id, body: accounts.upsert(tenant.tenant_id, account_id, body, "csv"))

    assert (result["created"], result["updated"]) == (1, 0)
    assert [(e["line"], e["account_id"]) for e in result["errors"]] == [(5, "acct-bad-amount"),
                                                                        (6, "acct-bad-email")]
    assert [a.account_id for a in faked.accounts.all_of(tenant.tenant_id)] == ["acct-ok"]
    assert faked.accounts.get(tenant.tenant_id, "acct-ok").balance() == {"EUR": 5900}
