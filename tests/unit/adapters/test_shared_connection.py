"""A cold worker reads botocore's endpoint data and each service's model once: every table a configuration binds,
and the transactions over them, share one pynamodb connection (one client), and every botocore session the
process makes reads through one data loader. Building clients opens no socket, so this runs with the unit tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.adapters.dynamodb.connection import OnSharedConnection, SharedConnection

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
ENV = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing",
       "AWS_SECRET_ACCESS_KEY": "testing"}

PROBE = """
import json
from collections import Counter
import botocore.loaders

read = Counter()  # files read from disk, by their path under botocore's data directory
load = botocore.loaders.JSONFileLoader.load_file
def counting(self, path, *args, **kwargs):
    found = load(self, path, *args, **kwargs)
    if found is not None:
        read[path.split("/data/")[-1]] += 1
    return found
botocore.loaders.JSONFileLoader.load_file = counting

from chalicelib.adapters import aws
from chalicelib.adapters.dynamodb.models import build_models
from chalicelib.config import settings

models = build_models(settings())
clients = [model._get_connection().connection.client for model in (models.accounts, models.tenants, models.payments)]
clients.append(models.connection.client)  # the transactions'
aws.client("sesv2", "eu-west-1"), aws.client("ssm", "eu-west-1"), aws.client("dynamodb", "eu-west-1")
again = build_models(settings())
print(json.dumps({"read": read, "distinct_clients": len({id(c) for c in clients}),
                  "rebuilt_is_new": again.accounts._get_connection().connection is not models.connection}))
"""


def probe() -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, env=ENV)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_every_table_and_client_reads_botocores_data_once():
    found = probe()

    assert found["distinct_clients"] == 1
    assert found["read"]["endpoints"] == 1
    assert found["read"]["dynamodb/2012-08-10/service-2"] == 1  # pynamodb's client and Kindly's own
    assert found["read"]["sesv2/2019-09-27/service-2"] == found["read"]["ssm/2014-11-06/service-2"] == 1
    assert found["rebuilt_is_new"]  # a configuration built again (a changed environment) connects afresh


def test_a_table_known_by_another_schema_keeps_a_connection_of_its_own():
    shared = SharedConnection(region="eu-west-1")

    def bound(key: str) -> type:
        meta = type("Meta", (), {"table_name": "same-name", "region": "eu-west-1"})
        return type("Bound", (OnSharedConnection, Model),
                    {"Meta": meta, key: UnicodeAttribute(hash_key=True), "shared_connection": shared})

    first, same, other = bound("account_key"), bound("account_key"), bound("code")

    assert first._get_connection().connection is shared
    assert same._get_connection().connection is shared
    assert other._get_connection().connection is not shared
    assert shared.get_meta_table("same-name").hash_keyname == "account_key"
