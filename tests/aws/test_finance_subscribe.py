"""`kindly finance subscribe`: a tenant's subscriber to the one finance topic gets that tenant's events and
never another tenant's (a filter policy on the `tenant_id` message attribute); bad input creates nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from tests.aws.conftest import MOTO_ACCOUNT, REGION
from tests.support.samples import account

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def auth(tenant):
    return {"Authorization": f"Bearer {tenant['api_key']}", "Content-Type": "application/json"}


def queue(aws, name):
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def received(aws, url):
    messages = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                                 MessageAttributeNames=["All"]).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def subscriptions(aws):
    topic = aws.topic_arn(aws.settings.finance_topic)
    return aws.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]


def subscribe(kindly, capsys, tenant, protocol, endpoint):
    code = kindly(["finance", "subscribe", "--tenant", tenant["tenant_id"], "--protocol", protocol,
                   "--endpoint", endpoint])
    out, err = capsys.readouterr()
    return code, out, err


def open_dispute(client, aws, tenant):
    """Through the real code path: the debtor says "I don't think I owe this" on their page."""
    assert client.http.put("/v1/accounts/acct-1", headers=auth(tenant), body=json.dumps(account())).status_code == 201
    url = aws.links.portal_url(tenant["tenant_id"], "acct-1", datetime.now(UTC))
    answer = client.http.post(url.removeprefix(aws.settings.public_base_url) + "/dispute", headers=FORM,
                              body=urlencode({"note": ""}))
    assert answer.status_code == 303


def test_each_tenants_queue_receives_only_its_own_tenants_events(client, aws, tenant, other_tenant, kindly, capsys):
    mine_url, mine_arn = queue(aws, "acme-finance")
    theirs_url, theirs_arn = queue(aws, "globex-finance")
    code, out, _ = subscribe(kindly, capsys, tenant, "sqs", mine_arn)
    assert code == 0
    answer = json.loads(out)
    assert answer["subscription_arn"].startswith(f"arn:aws:sns:{REGION}:{MOTO_ACCOUNT}:")
    assert answer["filter_policy"] == {"tenant_id": [tenant["tenant_id"]]}
    assert subscribe(kindly, capsys, other_tenant, "sqs", theirs_arn)[0] == 0
    # A control without a filter proves the topic carries both tenants' events: the filter is what separates them.
    unfiltered_url, unfiltered_arn = queue(aws, "unfiltered")
    aws.client("sns").subscribe(TopicArn=aws.topic_arn(aws.settings.finance_topic), Protocol="sqs",
                                Endpoint=unfiltered_arn, Attributes={"RawMessageDelivery": "true"})

    open_dispute(client, aws, tenant)
    open_dispute(client, aws, other_tenant)

    assert [(e["type"], e["tenant_id"]) for e in received(aws, mine_url)] == [
        ("dispute_opened", tenant["tenant_id"])]
    assert [(e["type"], e["tenant_id"]) for e in received(aws, theirs_url)] == [
        ("dispute_opened", other_tenant["tenant_id"])]
    assert sorted(e["tenant_id"] for e in received(aws, unfiltered_url)) == sorted(
        [tenant["tenant_id"], other_tenant["tenant_id"]])


def test_an_sqs_subscription_delivers_the_event_itself_and_lets_the_topic_send_to_the_queue(aws, tenant, kindly,
                                                                                             capsys):
    sqs = aws.client("sqs")
    url, arn = queue(aws, "acme-finance")
    own = {"Sid": "TheirOwn", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MOTO_ACCOUNT}:root"},
           "Action": "sqs:ReceiveMessage", "Resource": arn}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17",
                                                                              "Statement": [own]})})

    code, out, _ = subscribe(kindly, capsys, tenant, "sqs", arn)

    assert code == 0
    [subscription] = subscriptions(aws)
    attributes = aws.client("sns").get_subscription_attributes(
        SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"tenant_id": [tenant["tenant_id"]]}
    assert attributes["RawMessageDelivery"] == "true"
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    topic = aws.topic_arn(aws.settings.finance_topic)
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["TheirOwn"] == own  # what the queue's owner had is kept
    kindly_statement = statements["KindlyFinanceTopic"]
    assert kindly_statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert kindly_statement["Action"] == "sqs:SendMessage" and kindly_statement["Resource"] == arn
    assert kindly_statement["Condition"] == {"ArnEquals": {"aws:SourceArn": topic}}

    assert subscribe(kindly, capsys, tenant, "sqs", arn)[0] == 0  # again: the same statement, not a second one
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["TheirOwn", "KindlyFinanceTopic"]


def test_a_queue_in_another_account_is_subscribed_and_the_policy_its_owner_must_add_is_printed(aws, tenant, kindly,
                                                                                               capsys):
    arn = f"arn:aws:sqs:{REGION}:210987654321:their-finance"
    code, out, _ = subscribe(kindly, capsys, tenant, "sqs", arn)
    assert code == 0
    answer = json.loads(out)
    assert answer["queue_policy"] == "not_set"
    assert answer["queue_policy_statement"]["Condition"] == {
        "ArnEquals": {"aws:SourceArn": aws.topic_arn(aws.settings.finance_topic)}}


def test_email_and_https_subscriptions_wait_for_confirmation(aws, tenant, kindly, capsys):
    for protocol, endpoint in (("email", "finance@acme.example.com"), ("https", "https://hooks.acme.example/kindly")):
        code, out, _ = subscribe(kindly, capsys, tenant, protocol, endpoint)
        assert code == 0
        answer = json.loads(out)
        assert (answer["protocol"], answer["endpoint"]) == (protocol, endpoint)
        assert answer["filter_policy"] == {"tenant_id": [tenant["tenant_id"]]}
    assert len(subscriptions(aws)) == 2


BAD = [
    ("sqs", "https://sqs.us-east-1.amazonaws.com/123456789012/q", "an SQS queue ARN"),
    ("sqs", "arn:aws:sns:us-east-1:123456789012:finance", "an SQS queue ARN"),
    ("sqs", "arn:aws:sqs:us-east-1:123456789012:finance.fifo", "FIFO"),
    ("sqs", f"arn:aws:sqs:{REGION}:{MOTO_ACCOUNT}:no-such-queue", "no queue"),
    ("https", "http://hooks.acme.example/kindly", "https:// URL"),
    ("https", "https://", "https:// URL"),
    ("email", "finance at acme", "email address"),
    ("email", "", "email address"),
]


@pytest.mark.parametrize(("protocol", "endpoint", "says"), BAD, ids=[f"{p} {e!r}" for p, e, _ in BAD])
def test_a_bad_endpoint_exits_2_naming_it_and_creates_nothing(aws, tenant, kindly, capsys, protocol, endpoint, says):
    code, out, err = subscribe(kindly, capsys, tenant, protocol, endpoint)
    assert code == 2 and out == ""
    assert "--endpoint" in err and says in err and "Traceback" not in err
    assert subscriptions(aws) == []


def test_an_unknown_protocol_is_refused_by_the_parser_and_creates_nothing(aws, tenant, kindly, capsys):
    with pytest.raises(SystemExit) as exited:
        subscribe(kindly, capsys, tenant, "lambda", "arn:aws:lambda:us-east-1:123456789012:function:f")
    assert exited.value.code == 2
    assert "--protocol" in capsys.readouterr().err
    assert subscriptions(aws) == []


def test_an_unknown_tenant_is_refused_and_creates_nothing(aws, kindly, capsys):
    _url, arn = queue(aws, "finance")
    code, out, err = subscribe(kindly, capsys, {"tenant_id": "ten_nobody"}, "sqs", arn)
    assert code == 1 and out == ""
    assert json.loads(err)["error"]["field"] == "tenant"
    assert subscriptions(aws) == []
