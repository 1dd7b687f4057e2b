"""Subscriptions to the finance topic, and the queue policy that lets the topic deliver to an SQS queue."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import error_code
from chalicelib.domain.errors import InvalidInput

STATEMENT_ID = "KindlyFinanceTopic"


class SnsFinanceTopic:
    def __init__(self, sns: Any, sqs: Any, topic_arn: str) -> None:
        self._sns = sns
        self._sqs = sqs
        self._topic_arn = topic_arn

    def subscribe(self, protocol: str, endpoint: str, filter_policy: dict[str, Any],
                  raw_delivery: bool) -> dict[str, Any]:
        answer: dict[str, Any] = {"filter_policy": filter_policy, "raw_message_delivery": raw_delivery}
        if protocol == "sqs":
            answer.update(self._let_topic_send(endpoint))
        attributes = {"FilterPolicy": json.dumps(filter_policy)}
        if raw_delivery:
            attributes["RawMessageDelivery"] = "true"
        arn = self._sns.subscribe(TopicArn=self._topic_arn, Protocol=protocol, Endpoint=endpoint,
                                  Attributes=attributes, ReturnSubscriptionArn=True)["SubscriptionArn"]
        # email and https subscriptions wait until the endpoint confirms (SNS sends it a link / a request)
        return {"subscription_arn": arn, "pending_confirmation": protocol != "sqs", **answer}

    def _let_topic_send(self, queue_arn: str) -> dict[str, Any]:
        """A queue in the topic's own account and region gets a statement letting this topic (and only it) send
        to it, added to its policy; for any other queue the statement to add is printed instead (its owner adds
        it: another account's queue policy is not ours to change)."""
        statement = {
            "Sid": STATEMENT_ID, "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": queue_arn,
            "Condition": {"ArnEquals": {"aws:SourceArn": self._topic_arn}},
        }
        queue_region, queue_account, queue_name = queue_arn.split(":")[3:6]
        if (queue_region, queue_account) != tuple(self._topic_arn.split(":")[3:5]):
            return {"queue_policy": "not_set", "queue_policy_statement": statement}
        try:
            url = self._sqs.get_queue_url(QueueName=queue_name, QueueOwnerAWSAccountId=queue_account)["QueueUrl"]
        except Exception as exc:
            if "NonExistentQueue" in error_code(exc) or "QueueDoesNotExist" in error_code(exc):
                raise InvalidInput(f"no queue {queue_name!r} in account {queue_account}", "endpoint") from exc
            raise
        current = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get("Attributes", {})
        policy = json.loads(current.get("Policy") or '{"Version": "2012-10-17", "Statement": []}')
        others = [s for s in policy.get("Statement", []) if s.get("Sid") != STATEMENT_ID]
        policy["Statement"] = [*others, statement]
        self._sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
        return {"queue_policy": "set"}
