"""moto in server mode: every AWS service Kindly uses behind one local endpoint.

Development and test helpers only: the Lambda app never imports this module, and moto is imported inside
the function that needs it so importing this costs nothing.
"""

from __future__ import annotations

import logging
import subprocess  # noqa: S404 - starts moto as a child process
import sys
import threading
import time

from chalicelib.local.local_server import LocalServer, child_stopper
from chalicelib.local.network import free_port, http, port_is_bindable

MOTO_READY_TIMEOUT = 10.0


def start_moto(port: int | None = None, *, quiet: bool = True) -> LocalServer:
    """moto in server mode, in this process, on 127.0.0.1.

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
            http(f"{url}/moto-api/", timeout=2.0)
            break
        except OSError as exc:
            if time.monotonic() > deadline:
                stop()
                raise RuntimeError(f"moto server at {url} does not answer: {exc}") from exc
            time.sleep(0.05)
    return LocalServer(name="moto", url=url, stop=stop)


def start_moto_process(port: int | None = None) -> LocalServer:
    """moto in server mode as a child process: its state is its own, untouched by any ``mock_aws`` here."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )

    stop = child_stopper(process)
    deadline = time.monotonic() + MOTO_READY_TIMEOUT * 3
    while True:
        try:
            http(f"{url}/moto-api/", timeout=2.0)
            return LocalServer(name="moto", url=url, stop=stop)
        except OSError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                stop()
                raise RuntimeError(f"moto server at {url} did not start: {exc}") from exc
            time.sleep(0.1)


def reset_moto(moto_url: str) -> None:
    """Forget everything the moto server holds (tables, queues, identities, sent messages...)."""
    http(f"{moto_url.rstrip('/')}/moto-api/reset", method="POST")
