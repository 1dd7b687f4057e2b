"""`kindly sweep --tenant T` reads only that tenant's due accounts from DynamoDB, not everyone's filtered
afterwards: other tenants' due accounts are never read at all."""

from __future__ import annotations

from datetime import UTC, datetime

import botocore.client
import pytest

from tests.support.samples import account

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # every sample account is due by then


@pytest.fixture
def dynamodb_reads(monkeypatch):
    """Every account key DynamoDB hands back to Kindly: items a Query returned, keys a BatchGetItem asked for."""
    read: list[tuple[str, str]] = []
    make_api_call = botocore.client.BaseClient._make_api_call

    def counting(client, operation, params):
        response = make_api_call(client, operation, params)
        if operation == "Query":
            read.extend((i["tenant_id"]["S"], i["account_id"]["S"]) for i in response.get("Items", [])
                        if "tenant_id" in i and "account_id" in i)
        if operation == "BatchGetItem":
            for request in params["RequestItems"].values():
                read.extend((k["tenant_id"]["S"], k["account_id"]["S"]) for k in request["Keys"])
        return response

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    return read


def load(aws, tenant, account_ids):
    for account_id in account_ids:
        aws.accounts.upsert(tenant["tenant_id"], account_id, account(), "test")


def test_a_tenant_sweep_reads_only_that_tenants_due_accounts(aws, tenant, other_tenant, dynamodb_reads):
    mine = [f"mine-{i}" for i in range(3)]
    load(aws, tenant, mine)
    load(aws, other_tenant, [f"theirs-{i}" for i in range(12)])
    dynamodb_reads.clear()

    items = list(aws.sweep.due_items(AT, tenant["tenant_id"]))

    assert sorted(i["account_id"] for i in items) == mine
    assert all(i["snapshot"]["tenant_id"]["S"] == tenant["tenant_id"] for i in items)
    assert {t for t, _ in dynamodb_reads} == {tenant["tenant_id"]}
    assert len(dynamodb_reads) == 2 * len(mine)  # each key once from the index, once in the batch read


def test_a_sweep_of_everyone_still_finds_every_tenants_due_accounts(aws, tenant, other_tenant):
    load(aws, tenant, ["a-1", "a-2"])
    load(aws, other_tenant, ["b-1"])
    found = {(i["tenant_id"], i["account_id"]) for i in aws.sweep.due_items(AT)}
    assert found == {(tenant["tenant_id"], "a-1"), (tenant["tenant_id"], "a-2"), (other_tenant["tenant_id"], "b-1")}


def test_an_account_with_nothing_pending_is_not_in_the_tenant_sweep(aws, tenant):
    load(aws, tenant, ["due"])
    paid = account(invoices=[{**account()["invoices"][0], "status": "paid"}])
    aws.accounts.upsert(tenant["tenant_id"], "settled", paid, "test")
    assert [i["account_id"] for i in aws.sweep.due_items(AT, tenant["tenant_id"])] == ["due"]


def test_the_scheduled_sweep_takes_whole_accounts_from_the_index_without_reading_them(aws, tenant, dynamodb_reads):
    load(aws, tenant, ["a-1", "a-2"])
    dynamodb_reads.clear()

    items = list(aws.sweep.due_items(AT))

    stored = {i["account_id"]: aws.models.accounts.get(tenant["tenant_id"], i["account_id"]).serialize()
              for i in items}
    assert [i["snapshot"] for i in items] == [stored[i["account_id"]] for i in items]  # the whole item
    assert sorted(dynamodb_reads) == [(tenant["tenant_id"], "a-1"), (tenant["tenant_id"], "a-2")]  # once each


def test_a_due_index_made_when_it_projected_keys_only_still_gives_whole_snapshots(aws, tenant, monkeypatch):
    from pynamodb.indexes import KeysOnlyProjection

    model = aws.models.accounts
    model.delete_table()
    monkeypatch.setattr(type(model.due_index).Meta, "projection", KeysOnlyProjection())
    model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    indexes = aws.client("dynamodb").describe_table(TableName=model.Meta.table_name)["Table"]["GlobalSecondaryIndexes"]
    assert {i["IndexName"]: i["Projection"]["ProjectionType"] for i in indexes}["due-index"] == "KEYS_ONLY"
    load(aws, tenant, ["a-1"])

    [item] = list(aws.sweep.due_items(AT))

    assert item["snapshot"] == model.get(tenant["tenant_id"], "a-1").serialize()
