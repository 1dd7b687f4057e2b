"""infra/, the IAM policies, events/ and the SAM merge document agree with the app they deploy."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from chalice.utils import to_cfn_resource_name
from moto import mock_aws
from pynamodb.attributes import TTLAttribute

from chalicelib.adapters.dynamodb.models import build_models
from chalicelib.config import read_settings

pytestmark = pytest.mark.aws

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
SAM_MERGE = ROOT / "infra" / "sam-merge.json"
DEPLOY = ROOT / "infra" / "deploy.sh"
EVENTS = ROOT / "events"
STAGES = ("local", "dev", "prod")
MODEL_FIELDS = ("tenants", "api_keys", "accounts", "audit", "messages", "policies", "links", "processor_refs",
                "parked_payments", "payments", "inbound_sms", "console", "sweeps", "figures")
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account


# --- reading the template ---------------------------------------------------------------------------

class CfnLoader(yaml.SafeLoader):
    """YAML loader that turns CloudFormation short tags (!Sub, !Ref, !GetAtt...) into their long forms."""


def _intrinsic(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _intrinsic)


def load_template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(), Loader=CfnLoader)  # noqa: S506 - CfnLoader is a SafeLoader


def resolve(value: Any, params: dict[str, str]) -> Any:
    """Resolve a plain string, a Ref to a parameter, or a string !Sub over parameters."""
    if isinstance(value, str):
        return value
    if set(value) == {"Ref"}:
        return params[value["Ref"]]
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{([A-Za-z0-9]+)\}", lambda m: params[m.group(1)], value["Fn::Sub"])
    raise AssertionError(f"cannot resolve {value!r}")


def resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def tables_by_name(template: dict[str, Any], stage: str) -> dict[str, dict[str, Any]]:
    tables = resources_of(template, "AWS::DynamoDB::Table")
    return {resolve(t["Properties"]["TableName"], {"Stage": stage}): t["Properties"] for t in tables.values()}


def _keys(key_schema: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((k["AttributeName"], k["KeyType"]) for k in key_schema)


def _attributes(definitions: list[dict[str, str]]) -> list[tuple[str, str]]:
    return sorted((d["AttributeName"], d["AttributeType"]) for d in definitions)


def _indexes(indexes: list[dict[str, Any]], name_key: str, projection_key: str) -> dict[str, Any]:
    return {i[name_key]: (_keys(i["key_schema" if name_key == "index_name" else "KeySchema"]), i[projection_key])
            for i in indexes}


# --- fixtures -----------------------------------------------------------------------------------------

@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials, one region, and no endpoint override, so every boto3 call goes to moto."""
    from chalicelib.adapters import aws

    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    aws.client.cache_clear()  # the app caches boto3 clients; none may outlive the mock
    yield
    aws.client.cache_clear()


# --- (a) tables match the pynamodb models ----------------------------------------------------------

@pytest.mark.parametrize("field", MODEL_FIELDS)
def test_template_table_matches_pynamodb_model(field: str) -> None:
    # Given the model the app uses, and the schema it sends to CreateTable (what `kindly init` creates)
    model = getattr(build_models(read_settings({"KINDLY_STAGE": "dev"})), field)
    schema = model._get_schema()

    # When the template's tables are read with Stage=dev
    tables = tables_by_name(load_template(), "dev")

    # Then a table of the same name declares the same keys, key attributes and indexes
    assert model.Meta.table_name in tables, f"no table named {model.Meta.table_name} in {TEMPLATE}"
    table = tables[model.Meta.table_name]
    assert _keys(table["KeySchema"]) == _keys(schema["key_schema"])
    assert table["KeySchema"][0]["KeyType"] == "HASH"  # CloudFormation wants the hash key first
    assert _attributes(table["AttributeDefinitions"]) == _attributes(schema["attribute_definitions"])
    assert _indexes(table.get("GlobalSecondaryIndexes", []), "IndexName", "Projection") == _indexes(
        schema["global_secondary_indexes"], "index_name", "projection")
    assert _indexes(table.get("LocalSecondaryIndexes", []), "IndexName", "Projection") == _indexes(
        schema["local_secondary_indexes"], "index_name", "projection")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    # And items expire by the attribute the model declares as its TTL, and only then
    ttl = [a.attr_name for a in model.get_attributes().values() if isinstance(a, TTLAttribute)]
    assert table.get("TimeToLiveSpecification") == ({"AttributeName": ttl[0], "Enabled": True} if ttl else None)
    # And a table the app reads a stream of (the accounts: figures_stream) has the same stream in both
    stream = getattr(model.Meta, "stream_view_type", None)
    assert table.get("StreamSpecification") == ({"StreamViewType": stream} if stream else None)


def test_template_declares_no_table_the_models_do_not_know() -> None:
    models = build_models(read_settings({"KINDLY_STAGE": "dev"}))
    assert set(tables_by_name(load_template(), "dev")) == {m.Meta.table_name for m in models.all()}


def test_audit_table_is_kept_three_years() -> None:
    # The audit trail must outlive mistakes: no TTL, deletion protection, and retained with the stack.
    audit = resources_of(load_template(), "AWS::DynamoDB::Table")["AuditTable"]
    assert audit["Properties"]["DeletionProtectionEnabled"] is True
    assert "TimeToLiveSpecification" not in audit["Properties"]
    assert audit["DeletionPolicy"] == "Retain"
    assert audit["UpdateReplacePolicy"] == "Retain"


def test_template_wires_ses_events_and_alarms() -> None:
    # moto cannot deploy these resource types, so their shape is checked here.
    template = load_template()
    (destination,) = resources_of(template, "AWS::SES::ConfigurationSetEventDestination").values()
    event_destination = destination["Properties"]["EventDestination"]
    assert set(event_destination["MatchingEventTypes"]) == {
        "bounce", "complaint", "delivery", "open", "click", "reject", "renderingFailure"}
    assert event_destination["SnsDestination"]["TopicARN"] == {"Ref": "EmailEventsTopic"}
    (config_set,) = resources_of(template, "AWS::SES::ConfigurationSet").values()
    assert resolve(config_set["Properties"]["Name"], {"Stage": "dev"}) == read_settings(
        {"KINDLY_STAGE": "dev"}).ses_configuration_set

    alarms = {name: a["Properties"] for name, a in resources_of(template, "AWS::CloudWatch::Alarm").items()}
    assert alarms["DeadLetterQueueAlarm"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarms["DeadLetterQueueAlarm"]["Dimensions"][0]["Value"] == {
        "Fn::GetAtt": ["RemindersDeadLetterQueue", "QueueName"]}
    assert alarms["QueueAgeAlarm"]["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert alarms["QueueAgeAlarm"]["Threshold"] == 30 * 60
    assert (alarms["WorkerErrorsAlarm"]["MetricName"], alarms["WorkerErrorsAlarm"]["Namespace"]) == (
        "Errors", "AWS/Lambda")


# --- (b) cfn-lint ---------------------------------------------------------------------------------------

def test_template_passes_cfn_lint() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    assert cfn_lint.exists(), f"cfn-lint is not installed next to {sys.executable}"
    result = subprocess.run(  # noqa: S603 - our own paths
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --- (c) the template deploys (on moto) --------------------------------------------------------------

MOTO_DEPLOYABLE = {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SNS::Topic"}


def _references(value: Any) -> set[str]:
    """Logical ids a template fragment points at (Ref, GetAtt, ${X} and ${X.Attr} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref":
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0])
            elif key == "Fn::Sub":
                text = inner if isinstance(inner, str) else inner[0]
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
            else:
                found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return found


def moto_deployable(template: dict[str, Any]) -> dict[str, Any]:
    """The template reduced to what moto's CloudFormation can create: tables, queues and topics.

    moto 5.2.5 has no CloudFormation support for AWS::SES::ConfigurationSet(EventDestination) or
    AWS::CloudWatch::Alarm (create_stack fails on their outputs), and the S3 bucket is not under test
    here; those are checked by cfn-lint and test_template_wires_ses_events_and_alarms instead.
    """
    resources = {k: v for k, v in template["Resources"].items() if v["Type"] in MOTO_DEPLOYABLE}
    known = set(resources) | set(template["Parameters"]) | {"AWS::Region", "AWS::AccountId", "AWS::Partition"}
    outputs = {k: v for k, v in template["Outputs"].items() if _references(v["Value"]) <= known}
    return {"AWSTemplateFormatVersion": template["AWSTemplateFormatVersion"],
            "Parameters": template["Parameters"], "Resources": resources, "Outputs": outputs}


@pytest.fixture
def deployed_stack(aws_env: None) -> Iterator[dict[str, Any]]:
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName="kindly-dev-infra",
            TemplateBody=json.dumps(moto_deployable(load_template())),
            Parameters=[{"ParameterKey": "Stage", "ParameterValue": "dev"}],
        )
        stack = cloudformation.describe_stacks(StackName="kindly-dev-infra")["Stacks"][0]
        yield stack


def test_template_deploys_tables_queues_and_topics(deployed_stack: dict[str, Any]) -> None:
    # Given the stack deployed with Stage=dev
    assert deployed_stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in deployed_stack["Outputs"]}
    settings = read_settings({"KINDLY_STAGE": "dev"})

    # Then every table the app uses exists, the accounts table with its due index
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    assert set(dynamodb.list_tables()["TableNames"]) == set(settings.table_names.values())
    accounts = dynamodb.describe_table(TableName=settings.accounts_table)["Table"]
    assert sorted(i["IndexName"] for i in accounts["GlobalSecondaryIndexes"]) == [
        "due-index", "phone-index", "tenant-due-index"]

    # And the reminders queue sends poison messages to its DLQ after 5 receives
    sqs = boto3.client("sqs", region_name=REGION)
    queue_url = sqs.get_queue_url(QueueName=settings.reminders_queue)["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName=f"{settings.reminders_queue}-dlq")["QueueUrl"]
    queue = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(queue["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == dlq["QueueArn"] == outputs["RemindersDeadLetterQueueArn"]
    assert int(redrive["maxReceiveCount"]) == 5
    assert int(queue["VisibilityTimeout"]) == 360
    assert int(dlq["MessageRetentionPeriod"]) == 14 * 24 * 3600

    # And every topic exists under its stage name (the two-way SMS one as the sms_inbound function expects it)
    topics = {t["TopicArn"] for t in boto3.client("sns", region_name=REGION).list_topics()["Topics"]}
    assert outputs["FinanceTopicArn"] == f"arn:aws:sns:{REGION}:{ACCOUNT}:{settings.finance_topic}"
    assert outputs["EmailEventsTopicArn"] == f"arn:aws:sns:{REGION}:{ACCOUNT}:kindly-dev-email-events"
    assert outputs["SmsInboundTopicArn"] == f"arn:aws:sns:{REGION}:{ACCOUNT}:{settings.sms_inbound_topic}"
    assert {outputs["FinanceTopicArn"], outputs["EmailEventsTopicArn"], outputs["SmsInboundTopicArn"]} <= topics


def test_kindly_init_accepts_what_the_stack_created(deployed_stack: dict[str, Any]) -> None:
    # deploy.sh runs `kindly init` after the stack: it must find everything and fail on nothing
    # (CreateQueue refuses an existing queue whose attributes differ from the ones asked for).
    from chalicelib.adapters.provision import initialise
    from chalicelib.bootstrap import Container

    result = initialise(Container(read_settings({"KINDLY_STAGE": "dev", "AWS_DEFAULT_REGION": REGION})))

    outputs = {o["OutputKey"]: o["OutputValue"] for o in deployed_stack["Outputs"]}
    assert result["tables_created"] == []
    assert result["queue_url"] == outputs["RemindersQueueUrl"]
    assert sorted(result["topics"]) == sorted([outputs["FinanceTopicArn"], outputs["EmailEventsTopicArn"],
                                               outputs["SmsInboundTopicArn"]])
    assert result["link_secret_created"] is True


# --- (d) least-privilege IAM ----------------------------------------------------------------------------

def _iam_match(pattern: str, value: str) -> bool:
    """IAM wildcard matching: * is any run of characters (colons and slashes included), ? is one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value) is not None


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def allows(policy: dict[str, Any], action: str, resource: str) -> bool:
    """Whether an Allow statement covers the action on the resource (conditions are not evaluated)."""
    for statement in policy["Statement"]:
        if statement["Effect"] != "Allow":
            continue
        if any(_iam_match(a.lower(), action.lower()) for a in _listed(statement["Action"])) and any(
                _iam_match(r, resource) for r in _listed(statement["Resource"])):
            return True
    return False


def required_grants(stage: str) -> list[tuple[str, str]]:
    """(action, resource) pairs the app calls, with the stage's real names in a sample account."""
    arn = f"{REGION}:{ACCOUNT}"
    settings = read_settings({"KINDLY_STAGE": stage})
    tables = [f"arn:aws:dynamodb:{arn}:table/{name}" for name in settings.table_names.values()]
    # TransactWriteItems is not an IAM action: each item in a transaction is authorised as its own
    # PutItem / UpdateItem / DeleteItem / ConditionCheckItem, which are required below.
    item_actions = ["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "ConditionCheckItem", "BatchWriteItem",
                    "BatchGetItem"]
    grants = [(f"dynamodb:{a}", table) for a in item_actions for table in tables]
    grants.append(("dynamodb:Query", f"arn:aws:dynamodb:{arn}:table/{settings.accounts_table}/index/due-index"))
    grants.append(("dynamodb:Query", f"arn:aws:dynamodb:{arn}:table/{settings.accounts_table}/index/phone-index"))
    stream = f"arn:aws:dynamodb:{arn}:table/{settings.accounts_table}/stream/2026-12-01T00:00:00.000"
    grants += [(f"dynamodb:{a}", stream) for a in ("DescribeStream", "GetRecords", "GetShardIterator", "ListStreams")]
    queue = f"arn:aws:sqs:{arn}:{settings.reminders_queue}"
    grants += [(f"sqs:{a}", queue) for a in ("SendMessage", "ReceiveMessage", "DeleteMessage",
                                             "GetQueueAttributes", "GetQueueUrl", "ChangeMessageVisibility")]
    # Lambda sends the figures stream's dropped batches with the function's role (the on-failure destination)
    grants.append(("sqs:SendMessage", f"arn:aws:sqs:{arn}:{settings.figures_dropped_queue}"))
    for action in ("ses:SendEmail", "ses:SendRawEmail"):
        grants.append((action, f"arn:aws:ses:{arn}:configuration-set/{settings.ses_configuration_set}"))
        grants.append((action, f"arn:aws:ses:{arn}:identity/billing.example.com"))
    grants.append(("ses:CreateEmailIdentity", f"arn:aws:ses:{arn}:identity/billing@example.com"))
    grants.append(("sns:Publish", f"arn:aws:sns:{arn}:{settings.finance_topic}"))
    grants.append(("sns:Publish", "*"))  # SMS to a phone number has no resource ARN
    grants.append(("sns:CheckIfPhoneNumberIsOptedOut", "*"))  # asked before each SMS; no resource either
    grants.append(("sns:OptInPhoneNumber", "*"))  # a debtor's START takes the number off SNS's list
    grants.append(("ssm:GetParameter", f"arn:aws:ssm:{arn}:parameter{settings.link_secret_parameter}"))
    grants.append(("ssm:GetParameter", f"arn:aws:ssm:{arn}:parameter{settings.console_keys_parameter}"))
    grants.append(("kms:Decrypt", f"arn:aws:kms:{arn}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))
    grants.append(("sts:GetCallerIdentity", "*"))
    functions = ("", "-remind_worker", "-sms_inbound", "-figures_stream", "-app-Sweep-1A2B3C")
    for function in (f"kindly-{stage}{suffix}" for suffix in functions):
        group = f"arn:aws:logs:{arn}:log-group:/aws/lambda/{function}"
        grants.append(("logs:CreateLogGroup", group))
        grants += [(a, f"{group}:log-stream:2026/12/01/[$LATEST]0a1b2c") for a in
                   ("logs:CreateLogStream", "logs:PutLogEvents")]
    grants += [("xray:PutTraceSegments", "*"), ("xray:PutTelemetryRecords", "*")]
    return grants


# Resource "*" only where the action has no resource to scope to.
UNSCOPABLE = {"sns:publish", "sns:checkifphonenumberisoptedout", "sns:optinphonenumber",
              "sts:getcalleridentity", "xray:puttracesegments", "xray:puttelemetryrecords"}


@pytest.mark.parametrize("stage", STAGES)
def test_policy_is_valid_and_least_privilege(stage: str) -> None:
    policy = json.loads((ROOT / ".chalice" / f"policy-{stage}.json").read_text())

    assert policy["Version"] == "2012-10-17"
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        assert "NotAction" not in statement and "NotResource" not in statement
        actions = _listed(statement["Action"])
        assert all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", a) for a in actions), f"wildcard action in {actions}"
        if "*" in _listed(statement["Resource"]):
            assert {a.lower() for a in actions} <= UNSCOPABLE, f"{actions} on Resource '*'"
    decrypt = next(s for s in policy["Statement"] if "kms:Decrypt" in _listed(s["Action"]))
    assert decrypt["Condition"]["StringLike"]["kms:ViaService"] == "ssm.*.amazonaws.com"


@pytest.mark.parametrize("stage", STAGES)
def test_policy_grants_every_call_the_app_makes(stage: str) -> None:
    policy = json.loads((ROOT / ".chalice" / f"policy-{stage}.json").read_text())
    missing = [(a, r) for a, r in required_grants(stage) if not allows(policy, a, r)]
    assert missing == []


@pytest.mark.parametrize("stage", STAGES)
def test_policy_grants_nothing_on_another_stage(stage: str) -> None:
    # Not checked: SES identities (tenants' senders, shared by every stage), KMS (scoped by its
    # condition, which `allows` does not evaluate) and sns:Publish, which the SMS grant on "*" gives
    # on every topic: IAM has no way to allow phone numbers but not topics.
    policy = json.loads((ROOT / ".chalice" / f"policy-{stage}.json").read_text())
    for other in (s for s in STAGES if s != stage):
        leaks = [(a, r) for a, r in required_grants(other)
                 if r != "*" and "identity/" not in r and a not in ("kms:Decrypt", "sns:Publish")
                 and allows(policy, a, r)]
        assert leaks == [], f"policy-{stage}.json reaches {other}'s resources"


# --- (e) sample events --------------------------------------------------------------------------------

def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


@pytest.mark.parametrize("path", sorted(EVENTS.glob("*.json")), ids=lambda p: p.name)
def test_every_sample_event_parses(path: Path) -> None:
    assert isinstance(json.loads(path.read_text()), dict)
    assert path.name in (EVENTS / "README.md").read_text(), f"{path.name} is not described in events/README.md"


def test_sqs_sample_is_a_batch_of_distinct_reminders() -> None:
    records = load_event("remind_sqs_batch.json")["Records"]
    assert len(records) == 2
    assert len({r["messageId"] for r in records}) == len(records)
    for record in records:
        assert record["eventSource"] == "aws:sqs"
        assert record["eventSourceARN"].endswith(":kindly-dev-reminders")
        assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()  # noqa: S324 - as SQS does
        assert set(json.loads(record["body"])) == {"tenant_id", "account_id", "due_by"}


def test_scheduled_sample_is_an_eventbridge_schedule() -> None:
    event = load_event("sweep_scheduled.json")
    assert (event["source"], event["detail-type"], event["detail"]) == ("aws.events", "Scheduled Event", {})


def test_api_samples_are_api_gateway_proxy_events() -> None:
    put = load_event("api_put_account.json")
    assert (put["httpMethod"], put["resource"], put["path"]) == ("PUT", "/v1/accounts/{account_id}",
                                                                   "/v1/accounts/acct-1")
    assert put["pathParameters"] == {"account_id": "acct-1"}
    assert put["headers"]["Authorization"].startswith("Bearer kindly_key_")
    assert put["headers"]["Content-Type"] == "application/json"
    assert set(json.loads(put["body"])) == {
        "name", "email", "phone", "locale", "timezone", "country", "region", "sms_consent", "policy",
        "processor_ids", "tags", "invoices"}

    unsubscribe = load_event("unsubscribe_post.json")
    assert (unsubscribe["httpMethod"], unsubscribe["resource"]) == ("POST", "/u/{token}")
    assert unsubscribe["path"] == f"/u/{unsubscribe['pathParameters']['token']}"
    assert unsubscribe["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert unsubscribe["body"] == "List-Unsubscribe=One-Click"


# --- (f) the SAM merge document -----------------------------------------------------------------------

def test_sam_merge_turns_on_partial_batch_failures_for_the_worker() -> None:
    merge = json.loads(SAM_MERGE.read_text())
    # Named the way Chalice 1.34 names them (chalice/deploy/appgraph.py, chalice/package.py).
    function = to_cfn_resource_name("remind_worker")
    event_source = to_cfn_resource_name("remind_worker-sqs-event-source")
    assert (function, event_source) == ("RemindWorker", "RemindWorkerSqsEventSource")

    worker = merge["Resources"][function]
    properties = worker["Properties"]["Events"][event_source]["Properties"]
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # Deep merge only adds keys: nothing Chalice generates may be overwritten.
    assert "Type" not in worker and "Type" not in worker["Properties"]["Events"][event_source]
    assert set(properties) == {"FunctionResponseTypes"}
    assert set(worker["Properties"]) == {"FunctionName", "Events"}


def test_sam_merge_turns_on_partial_batch_failures_for_the_figures_stream() -> None:
    import app as kindly_app

    merge = json.loads(SAM_MERGE.read_text())
    assert "figures_stream" in kindly_app.app.handler_map  # the name the dashboard's stream lag widget expects
    function = to_cfn_resource_name("figures_stream")
    event_source = to_cfn_resource_name("figures_stream-dynamodb-event-source")
    assert (function, event_source) == ("FiguresStream", "FiguresStreamDynamodbEventSource")

    stream = merge["Resources"][function]
    properties = stream["Properties"]["Events"][event_source]["Properties"]
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "Type" not in stream and "Type" not in stream["Properties"]["Events"][event_source]
    assert "Stream" not in properties and "StartingPosition" not in properties  # Chalice's own, from app.py
    for stage in STAGES:
        assert resolve(stream["Properties"]["FunctionName"], {"Stage": stage}) == f"kindly-{stage}-figures_stream"
    assert "kindly-${Stage}-figures_stream" in json.dumps(load_template()["Resources"]["OperationsDashboard"])


def test_the_figures_streams_dropped_batches_go_to_the_queue_the_infra_stack_makes_and_watches() -> None:
    merge = json.loads(SAM_MERGE.read_text())
    events = merge["Resources"]["FiguresStream"]["Properties"]["Events"]
    on_failure = events["FiguresStreamDynamodbEventSource"]["Properties"]["DestinationConfig"]["OnFailure"]
    template = load_template()
    queue = template["Resources"]["FiguresDroppedQueue"]["Properties"]
    (alarm,) = [a["Properties"] for a in resources_of(template, "AWS::CloudWatch::Alarm").values()
                if a["Properties"].get("Dimensions", [{}])[0].get("Value") == {
                    "Fn::GetAtt": ["FiguresDroppedQueue", "QueueName"]}]
    assert on_failure["Type"] == "SQS" and alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    for stage in STAGES:
        name = read_settings({"KINDLY_STAGE": stage}).figures_dropped_queue
        assert resolve(queue["QueueName"], {"Stage": stage}) == name == f"kindly-{stage}-figures-dropped"
        assert resolve(on_failure["Destination"], {"Stage": stage}).endswith(f":sqs:${{AWS::Region}}:"
                                                                             f"${{AWS::AccountId}}:{name}")


def test_worker_errors_alarm_watches_the_function_sam_merge_names() -> None:
    merge = json.loads(SAM_MERGE.read_text())
    alarms = resources_of(load_template(), "AWS::CloudWatch::Alarm").values()
    (errors,) = [a["Properties"] for a in alarms if a["Properties"]["MetricName"] == "Errors"]
    named = merge["Resources"]["RemindWorker"]["Properties"]["FunctionName"]
    for stage in STAGES:
        assert resolve(errors["Dimensions"][0]["Value"], {"Stage": stage}) == resolve(named, {"Stage": stage})


# --- the deploy script ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [[], ["staging"], ["dev", "extra"]], ids=["none", "unknown-stage", "too-many"])
def test_deploy_script_explains_its_usage(args: list[str]) -> None:
    assert DEPLOY.stat().st_mode & 0o111, "infra/deploy.sh is not executable"
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [str(DEPLOY), *args], capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "usage: infra/deploy.sh <stage>" in result.stderr


def test_sam_merge_answers_unknown_paths_with_a_404_in_our_error_shape() -> None:
    # API Gateway itself answers a path or method no route has: 403 "Missing Authentication Token", with the
    # caller's Authorization header (the API key) echoed in the body. The merge turns that into a plain 404.
    merge = json.loads(SAM_MERGE.read_text())
    api = merge["Resources"]["RestAPI"]  # the logical id chalice package gives the REST API
    assert set(api) == {"Properties"} and set(api["Properties"]) == {"GatewayResponses"}
    response = api["Properties"]["GatewayResponses"]["MISSING_AUTHENTICATION_TOKEN"]
    assert response["StatusCode"] == 404
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert body["error"]["code"] == "not_found" and set(body["error"]) == {"code", "message", "field"}
    assert "$" not in response["ResponseTemplates"]["application/json"]  # echoes nothing from the request


# --- (g) deliverability alarms and the operations dashboard ------------------------------------------------

def _sub(text: str, params: dict[str, str]) -> str:
    """A !Sub string with parameters resolved and every ${Resource.Attr} / ${Resource} left as <Resource.Attr>."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return params.get(name, f"<{name}>")
    return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", value, text)


def dashboard_body(stage: str = "dev") -> dict[str, Any]:
    (dashboard,) = resources_of(load_template(), "AWS::CloudWatch::Dashboard").values()
    assert resolve(dashboard["Properties"]["DashboardName"], {"Stage": stage}) == f"kindly-{stage}-operations"
    text = _sub(dashboard["Properties"]["DashboardBody"]["Fn::Sub"], {"Stage": stage, "AWS::Region": REGION})
    return json.loads(text)


def test_ses_reputation_alarms_fire_before_ses_reviews_the_account() -> None:
    alarms = {a["Properties"]["MetricName"]: a["Properties"]
              for a in resources_of(load_template(), "AWS::CloudWatch::Alarm").values()}
    ses_review = {"Reputation.BounceRate": 0.05, "Reputation.ComplaintRate": 0.001}
    for metric, review_at in ses_review.items():
        alarm = alarms[metric]
        assert alarm["Namespace"] == "AWS/SES" and "Dimensions" not in alarm  # the account-level metric
        assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert 0.5 * review_at <= alarm["Threshold"] < review_at
        assert alarm["AlarmActions"] == {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}],
                                                    {"Ref": "AWS::NoValue"}]}


def test_dashboard_graphs_what_the_app_emits_and_shows_every_alarm() -> None:
    from chalicelib.observability import WEBHOOKS_REFUSED, outcome_metric

    widgets = dashboard_body("dev")["widgets"]
    graphs = {w["properties"]["title"]: w["properties"] for w in widgets if w["type"] == "metric"}
    metrics = {tuple(x for x in m if isinstance(x, str)) for p in graphs.values() for m in p["metrics"]
               if isinstance(m[0], str)}

    # The app's own metrics, under the namespace and service dimension powertools gives them
    assert ("Kindly", outcome_metric("sent"), "service", "kindly") in metrics
    assert ("Kindly", WEBHOOKS_REFUSED, "service", "kindly") in metrics
    (withheld,) = [p for t, p in graphs.items() if t.startswith("Withheld")]
    expression = withheld["metrics"][0][0]["expression"]
    assert expression.startswith("SEARCH('{Kindly,service}") and "Withheld" in expression
    assert f'NOT MetricName="{outcome_metric("withheld")}"' in expression  # the total is not a rule
    # The queues the alarms watch, and the stream function by its stage name
    assert ("AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "<RemindersQueue.QueueName>") in metrics
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName",
            "<RemindersDeadLetterQueue.QueueName>") in metrics
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "<FiguresDroppedQueue.QueueName>") in metrics
    assert ("AWS/Lambda", "IteratorAge", "FunctionName", "kindly-dev-figures_stream") in metrics
    assert all(p["region"] == REGION for p in graphs.values())

    # And the alarm widget lists every alarm of the template
    (alarm_widget,) = [w for w in widgets if w["type"] == "alarm"]
    alarms = resources_of(load_template(), "AWS::CloudWatch::Alarm")
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(f"<{name}.Arn>" for name in alarms)


def test_sms_inbound_sample_is_a_two_way_sms_notification() -> None:
    (record,) = load_event("sms_inbound_sns_stop.json")["Records"]
    assert record["EventSource"] == "aws:sns"
    assert record["Sns"]["TopicArn"].endswith(":kindly-local-sms-inbound")
    assert set(json.loads(record["Sns"]["Message"])) == {
        "originationNumber", "destinationNumber", "messageKeyword", "messageBody", "inboundMessageId",
        "previousPublishedMessageId"}
