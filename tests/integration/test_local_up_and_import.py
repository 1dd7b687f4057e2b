"""`kindly local up --once` (what `make run` runs, minus the endless timer) and the CSV import, driven as
a person would from the shell."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.local.environment import local_environment

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KINDLY_"))}


@pytest.mark.parametrize("flags", [[], ["--dynamodb-local"]], ids=["moto", "dynamodb-local"])
def test_local_up_loads_the_demo_and_explains_each_decision(flags, dynamodb_local, tmp_path):
    marker = tmp_path / "local-stack.json"
    result = subprocess.run([str(BIN / "kindly"), "local", "up", "--once", *flags], cwd=ROOT,
                            env={**clean_env(), "KINDLY_LOCAL_STACK_FILE": str(marker)},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "demo tenant" in out and "demo API key     kindly_" in out
    assert ("finance console  http://127.0.0.1:8000/console — sign in as finance@demo.example; "
            "the link arrives in the local outbox (kindly outbox)") in out
    # The demo's disputed account is always held back, with its reason on the line.
    assert any(line.split()[1:2] == ["withheld"] and "demo-dispute" in line and "dispute_open" in line
               for line in out.splitlines())
    summary = json.loads(out.strip().splitlines()[-1].split("sweep done: ", 1)[1])
    assert summary["evaluated"] >= 10 and summary["errors"] == 0
    assert summary["sent"] + summary["deferred"] + sum(summary["withheld"].values()) == summary["evaluated"]
    # Everything it started is stopped and the marker file is gone.
    assert not marker.exists()


def test_csv_import_keeps_good_rows_and_names_bad_lines(tmp_path, moto_server, dynamodb_local):
    env = {**clean_env(), **local_environment(moto_server.url, dynamodb_local.url), "KINDLY_STAGE": "local",
           **{f"KINDLY_{n}_TABLE": f"csv-{n.lower()}" for n in
              ("TENANTS", "API_KEYS", "ACCOUNTS", "MESSAGES", "AUDIT", "POLICIES")}}

    def kindly(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "kindly"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)

    assert kindly("init").returncode == 0
    tenant = json.loads(kindly("tenant", "create", "--name", "CSV Co", "--sender-email",
                               "ar@csv.example.com").stdout)["tenant_id"]
    csv_file = tmp_path / "accounts.csv"
    csv_file.write_text(
        "account_id,name,email,timezone,country,locale,invoice_id,amount,currency,issued_on,due_on\n"
        "c-1,Zoë Ñúñez,zoe@example.com,Europe/Madrid,ES,es-ES,I-1,4900,EUR,2026-11-01,2026-11-15\n"
        "c-1,,,,,,I-2,1500,EUR,2026-11-05,2026-11-20\n"
        "c-2,Bad Amount,bad@example.com,Europe/Paris,FR,fr-FR,I-3,49.00,EUR,2026-11-01,2026-11-15\n"
        "c-3,Bad Email,not-an-email,Europe/Berlin,DE,de-DE,I-4,100,EUR,2026-11-01,2026-11-15\n"
        "c-4,Good Two,g2@example.com,America/New_York,US,en-US,I-5,2500,USD,2026-11-01,2026-11-15\n",
        encoding="utf-8",
    )
    result = kindly("import", "accounts", str(csv_file), "--tenant", tenant)
    assert result.returncode == 1  # some rows were refused
    report = json.loads(result.stdout)
    assert report["created"] == 2
    assert {(e["line"], e.get("account_id")) for e in report["errors"]} == {(4, "c-2"), (5, "c-3")}
    assert [e["line"] for e in report["errors"]] == [4, 5]  # in file order
    assert [e["field"] for e in report["errors"]] == ["amount", "email"]

    stored = json.loads(kindly("account", "get", "c-1", "--tenant", tenant).stdout)
    assert stored["name"] == "Zoë Ñúñez" and stored["balance"] == {"EUR": 6400}
    missing = kindly("account", "get", "c-2", "--tenant", tenant)
    assert missing.returncode == 1 and json.loads(missing.stderr)["error"]["code"] == "not_found"


def test_cli_mistakes_get_a_plain_message_and_a_non_zero_exit(tmp_path, moto_server, dynamodb_local):
    env = {**clean_env(), **local_environment(moto_server.url, dynamodb_local.url), "KINDLY_STAGE": "local",
           **{f"KINDLY_{n}_TABLE": f"cli-{n.lower()}" for n in
              ("TENANTS", "API_KEYS", "ACCOUNTS", "MESSAGES", "AUDIT", "POLICIES")}}

    def kindly(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "kindly"), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)

    assert kindly("init").returncode == 0
    tenant = json.loads(kindly("tenant", "create", "--name", "CLI Co", "--sender-email",
                               "ar@cli.example.com").stdout)["tenant_id"]
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("account_id,name\nc-1,Zo\xeb\n".encode("latin-1"))
    cases = {
        ("import", "accounts", str(tmp_path / "missing.csv"), "--tenant", tenant): "cannot read",
        ("import", "accounts", str(tmp_path), "--tenant", tenant): "cannot read",
        ("import", "accounts", str(latin1), "--tenant", tenant): "not UTF-8",
        ("sweep", "--at", "2026-12-01T09:00:00Z", "--tenant", "ten_nope"): "no tenant",
        ("timeline", "acct-1", "--tenant", "ten_nope"): "no tenant",
        ("account", "get", "acct-1", "--tenant", "ten_nope"): "no tenant",
    }
    for args, message in cases.items():
        result = kindly(*args)
        assert result.returncode != 0, args
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
        assert result.stdout == "", args
