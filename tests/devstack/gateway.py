"""devstack.apigw run as `make dev` runs it, in the SAM CLI venv (SAM_PYTHON), on the fixture template in fixtures/.

The tests only speak HTTP to it: the API on one port, Lambda's Invoke API on another.
"""

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from devstack.issuer import CLIENT_ID, ISSUER

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAM_PYTHON = Path(os.environ.get("SAM_PYTHON", REPO_ROOT / ".venv-sam" / "bin" / "python"))
# The bare interpreter the dev venv was made from: the functions' python3.13, without any venv's packages.
FUNCTION_PYTHON = os.environ.get(
    "FUNCTION_PYTHON", str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")
)
API_READY = re.compile(r"API ready on (http://\S+)")
LAMBDA_READY = re.compile(r"Lambda ready on (http://\S+)")
# The local user pool's JWKS for a gateway whose tests never send a token to a user-pool route (nothing listens).
NO_JWKS = "http://127.0.0.1:9/.well-known/jwks.json"


@dataclass
class Gateway:
    url: str
    lambda_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(f"{self.url}{path}", timeout=30, **kwargs)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> set[int]:
        """The processes the server started (its workers), from /proc."""
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:  # the process ended while we looked
                continue
            if int(fields[1]) == self.process.pid:
                pids.add(int(stat.parent.name))
        return pids


def start_gateway(directory: Path, template: Path = FIXTURES / "template.yaml", jwks_url: str = NO_JWKS) -> Gateway:
    """devstack.apigw on `template` (the fixture's by default), with the fixture's environment and layer deps, its
    user-pool authorizers verifying the dev issuer's tokens against `jwks_url`."""
    if not SAM_PYTHON.exists():
        pytest.fail(f"SAM CLI venv not found at {SAM_PYTHON}: run `make install` or set SAM_PYTHON")
    command = [
        str(SAM_PYTHON), "-m", "devstack.apigw",
        "--template", str(template),
        "--env-vars", str(FIXTURES / "env.json"),
        "--host", "127.0.0.1",
        "--port", "0",
        "--lambda-port", "0",
        "--layer-deps", str(FIXTURES / "layer-deps"),
        "--function-python", FUNCTION_PYTHON,
        "--user-pool-issuer", ISSUER,
        "--user-pool-jwks-url", jwks_url,
        "--user-pool-client-id", CLIENT_ID,
    ]  # fmt: skip
    stdout, log = directory / "apigw.out", directory / "apigw.log"
    with stdout.open("wb") as out, log.open("wb") as err:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=out, stderr=err)
    deadline = time.monotonic() + 60
    while not (ready := API_READY.search(stdout.read_text())):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"apigw did not become ready:\n{stdout.read_text()}\n{log.read_text()[-4000:]}")
        time.sleep(0.1)
    lambda_ready = LAMBDA_READY.search(stdout.read_text())
    assert lambda_ready, stdout.read_text()  # printed before the API's ready line
    return Gateway(ready[1], lambda_ready[1], process, log)


def stop_gateway(gateway: Gateway) -> int:
    gateway.process.send_signal(signal.SIGTERM)
    try:
        return gateway.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        gateway.process.kill()
        raise


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for whichever process adopted it to reap it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
