"""`kindly init`: create what Kindly needs on the current endpoint, from the same models the app uses.

Idempotent: anything that exists is left as it is. On AWS, infra/template.yaml creates the same things
(and tests/aws/test_infra.py checks the two agree); this is for local stacks and first runs.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.adapters.aws import error_code
from chalicelib.bootstrap import Container

DLQ_MAX_RECEIVES = 5


def create_tables(app: Container) -> list[str]:
    created = []
    for model in app.models.all():
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
            model.update_ttl(ignore_update_ttl_errors=True)  # links, parked payments and inbound SMS expire items
            created.append(model.Meta.table_name)
        else:
            ensure_stream(app, model)
    return created


def ensure_stream(app: Container, model: Any) -> bool:
    """A table created before its model asked for a stream (the accounts, for the figures) gets it now."""
    view = getattr(model.Meta, "stream_view_type", None)
    if view is None:
        return False
    dynamodb = app.client("dynamodb")
    table = dynamodb.describe_table(TableName=model.Meta.table_name)["Table"]
    if (table.get("StreamSpecification") or {}).get("StreamEnabled"):
        return False
    dynamodb.update_table(TableName=model.Meta.table_name,
                          StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    return True


def existing_queue(sqs: Any, name: str) -> str | None:
    try:
        return str(sqs.get_queue_url(QueueName=name)["QueueUrl"])
    except Exception as exc:
        if "NonExistentQueue" in error_code(exc):
            return None
        raise


def create_queues(app: Container) -> str:
    """The reminders queue with its dead-letter queue, and the queue Lambda reports the figures stream's dropped
    batches to; an existing queue (e.g. from infra/) is left alone."""
    sqs = app.client("sqs")
    if not existing_queue(sqs, app.settings.figures_dropped_queue):
        sqs.create_queue(QueueName=app.settings.figures_dropped_queue,
                         Attributes={"MessageRetentionPeriod": "1209600"})
    name = app.settings.reminders_queue
    if existing := existing_queue(sqs, name):
        return existing
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq", Attributes={"MessageRetentionPeriod": "1209600"})["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(DLQ_MAX_RECEIVES)})
    return str(sqs.create_queue(
        QueueName=name, Attributes={"VisibilityTimeout": "360", "RedrivePolicy": redrive}
    )["QueueUrl"])


def create_topics(app: Container) -> list[str]:
    sns = app.client("sns")
    names = [app.settings.finance_topic, app.settings.email_events_topic, app.settings.sms_inbound_topic]
    return [str(sns.create_topic(Name=name)["TopicArn"]) for name in names]


def create_configuration_set(app: Container) -> None:
    ses = app.client("sesv2")
    try:
        ses.create_configuration_set(ConfigurationSetName=app.settings.ses_configuration_set)
    except Exception as exc:
        # AWS says AlreadyExistsException; moto says ConfigurationSetAlreadyExistsException.
        if "AlreadyExists" not in error_code(exc):
            raise


def verify_senders(app: Container) -> list[str]:
    senders = sorted({item.sender_email for item in app.models.tenants.scan()})
    for sender in senders:
        if app.sender_domains.covering(sender) is None:  # a tenant's own domain identity already covers it
            app.email.verify_sender(sender)
    return senders


def initialise(app: Container) -> dict[str, Any]:
    tables = create_tables(app)
    queue_url = create_queues(app)
    topics = create_topics(app)
    create_configuration_set(app)
    secret_created = app.link_secret.ensure()
    console_keys_created = app.session_keys.ensure()
    senders = verify_senders(app)
    return {
        "tables_created": tables,
        "tables": [m.Meta.table_name for m in app.models.all()],
        "queue_url": queue_url,
        "topics": topics,
        "configuration_set": app.settings.ses_configuration_set,
        "link_secret_created": secret_created,
        "console_keys_created": console_keys_created,
        "senders_verified": senders,
    }
