"""Small network helpers for the local stack: free ports, whether something listens, a plain HTTP call."""

from __future__ import annotations

import socket
import urllib.request


def free_port() -> int:
    """A TCP port free on every interface right now (DynamoDB Local binds all of them)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("0.0.0.0", 0))  # noqa: S104 - only probing for a free port
        return int(sock.getsockname()[1])


def port_is_bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server does
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http(url: str, *, method: str = "GET", timeout: float = 5.0) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return bytes(response.read())
