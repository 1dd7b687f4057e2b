"""`kindly finance subscribe` (services/subscriptions.py) over the fakes: checked before anything is created."""

from __future__ import annotations

import pytest

from chalicelib.domain.errors import InvalidInput

OWN_QUEUE = "arn:aws:sqs:eu-west-1:123456789012:acme-finance"


def test_an_own_queue_gets_raw_events_filtered_to_the_tenant_and_a_queue_policy(finance_subscriptions, faked,
                                                                                tenant):
    faked.finance_topic.queues.add(OWN_QUEUE)

    answer = finance_subscriptions.subscribe(tenant.tenant_id, "sqs", OWN_QUEUE)

    assert answer["filter_policy"] == {"tenant_id": [tenant.tenant_id]}
    assert answer["raw_message_delivery"] is True and answer["queue_policy"] == "set"
    assert answer["pending_confirmation"] is False
    [subscription] = faked.finance_topic.subscriptions
    assert subscription["endpoint"] == OWN_QUEUE


def test_https_and_email_keep_the_envelope_and_wait_for_confirmation(finance_subscriptions, faked, tenant):
    https = finance_subscriptions.subscribe(tenant.tenant_id, "https", "https://hooks.acme.example/kindly")
    email = finance_subscriptions.subscribe(tenant.tenant_id, "email", "finance@acme.example.com")

    assert https["raw_message_delivery"] is False and https["pending_confirmation"] is True
    assert email["endpoint"] == "finance@acme.example.com"
    assert len(faked.finance_topic.subscriptions) == 2


def test_another_accounts_queue_gets_the_statement_to_add_instead(finance_subscriptions, tenant):
    answer = finance_subscriptions.subscribe(tenant.tenant_id, "sqs", "arn:aws:sqs:eu-west-1:999999999999:theirs")
    assert answer["queue_policy"] == "not_set" and "queue_policy_statement" in answer


@pytest.mark.parametrize(("protocol", "endpoint", "field"), [
    ("sqs", "arn:aws:sqs:eu-west-1:123456789012:acme.fifo", "endpoint"),
    ("sqs", "https://sqs.eu-west-1.amazonaws.com/123456789012/acme", "endpoint"),
    ("sqs", "arn:aws:sqs:eu-west-1:123456789012:missing", "endpoint"),
    ("https", "http://hooks.acme.example/kindly", "endpoint"),
    ("email", "not an address", "endpoint"),
    ("lambda", "arn:aws:lambda:eu-west-1:123456789012:function:f", "protocol"),
])
def test_a_bad_endpoint_is_refused_naming_it_and_nothing_is_subscribed(finance_subscriptions, faked, tenant,
                                                                       protocol, endpoint, field):
    with pytest.raises(InvalidInput) as refused:
        finance_subscriptions.subscribe(tenant.tenant_id, protocol, endpoint)
    assert refused.value.field == field
    assert faked.finance_topic.subscriptions == []
