"""What both halves of the local stack share: ports, readiness, fake credentials.

Standard library only: the dev venv (devstack) and the SAM CLI venv (devstack.apigw) both import it.
"""

import http.client
import socket
import subprocess
import time
import urllib.parse

# moto and the functions accept any credentials; fixed fake ones keep real profiles out of reach.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (for tests and benchmarks that start their own stack)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def ensure_ports_free(host: str, ports: dict[str, int]) -> None:
    """Fail at once, naming the port, rather than half-starting next to another stack.

    The probe binds as the servers do, with SO_REUSEADDR: connections of a stack stopped a moment ago sit in
    TIME-WAIT on its ports for a minute, which the servers' own binds accept and only a listener still there
    (another stack) refuses."""
    for name, port in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError:
                raise SystemExit(
                    f"port {port} ({name}) is in use: stop the other stack or choose another port"
                ) from None


def _status_of_health(url: str) -> int:
    # Plain HTTP to the local stack only: http.client cannot be talked into file:// or other schemes.
    address = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(address.hostname or "127.0.0.1", address.port, timeout=10)
    try:
        connection.request("GET", f"{address.path.rstrip('/')}/health")
        return connection.getresponse().status
    finally:
        connection.close()


def wait_until_healthy(url: str, process: subprocess.Popen[bytes], timeout_seconds: float = 180) -> None:
    """Return once GET {url}/health answers 200; RuntimeError if `process` exits or time runs out."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited with status {process.returncode} before it was ready")
        try:
            if _status_of_health(url) == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the local stack did not answer {url}/health within {timeout_seconds:.0f} s")
