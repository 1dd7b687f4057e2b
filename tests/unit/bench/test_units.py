"""The bench's unit costing follows AWS's billing rules, so its figures can be compared with a bill."""

from __future__ import annotations

import pytest

from bench.units import (
    attribute_size,
    estimated_units,
    extrapolated,
    item_size,
    ratio,
    read_units,
    reported_units,
    within,
    write_units,
)


def test_an_item_weighs_its_names_and_values() -> None:
    assert item_size({"id": {"S": "abc"}, "n": {"N": "12345"}}) == 2 + 3 + 1 + 4  # 5 digits: 3 bytes + 1
    assert attribute_size({"M": {"a": {"S": "xy"}}}) == 3 + 1 + 1 + 2
    assert attribute_size({"L": [{"BOOL": True}, {"NULL": True}]}) == 3 + 2 + 2
    assert attribute_size({"S": "é"}) == 2  # UTF-8 bytes, not characters


def test_an_unknown_attribute_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown DynamoDB attribute type"):
        attribute_size({"X": "?"})


def test_a_query_pays_for_the_summed_size_and_a_batch_get_for_each_item() -> None:
    sizes = [1000] * 100  # 100 items of 1 KB: about 98 KB
    assert read_units(sizes, summed=True, consistent=True) == 25  # ceil(100,000 / 4096)
    assert read_units(sizes, summed=False, consistent=True) == 100  # each item rounds up to one unit
    assert read_units(sizes, summed=False, consistent=False) == 50  # eventually consistent: half
    assert read_units([], summed=True, consistent=True) == 1  # an empty page still costs a unit


def test_writes_round_up_to_a_kilobyte_and_transactions_cost_twice() -> None:
    assert write_units(1024) == 1
    assert write_units(1025) == 2
    assert write_units(100, transactional=True) == 2


def test_units_are_computed_from_items_when_dynamodb_reports_none() -> None:
    item = {"pk": {"S": "x" * 5000}}  # about 5 KB
    assert estimated_units("Query", {}, {"Items": [item, item]}) == 1.5  # 10 KB summed, halved
    assert estimated_units("GetItem", {"ConsistentRead": True}, {"Item": item}) == 2
    put = {"Put": {"TableName": "t", "Item": item}}
    assert estimated_units("TransactWriteItems", {"TransactItems": [put, put]}, {}) == 2 * 5 * 2
    assert estimated_units("DescribeTable", {}, {}) == 0


def test_reported_units_add_up_one_or_many_tables() -> None:
    assert reported_units({"ConsumedCapacity": {"CapacityUnits": 2.5}}) == 2.5
    assert reported_units({"ConsumedCapacity": [{"CapacityUnits": 1}, {"CapacityUnits": 0.5}]}) == 1.5
    assert reported_units({}) is None


def test_ratios_and_goals() -> None:
    assert ratio(11_700, 117) == 100.0
    assert ratio(3, 0) is None  # nothing measured is no figure, not an infinite one
    assert within(100.0, ">= 50") and not within(49.9, ">= 50")
    assert within(1.5, "<= 1.5") and not within(1.51, "<= 1.5")
    assert not within(None, "<= 1.5")


def test_units_of_a_whole_read_follow_its_first_pages() -> None:
    assert extrapolated(128.5, 1076, 100_000) == round(128.5 * 100_000 / 1076, 1)
    assert extrapolated(12.0, 100, 50) == 12.0  # everything was read: nothing to add
    with pytest.raises(ValueError, match="nothing was read"):
        extrapolated(0.0, 0, 100)
