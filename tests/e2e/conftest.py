"""End-to-end tests: HTTP against the whole local stack (`python -m devstack`), started once per session."""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.common import free_port, wait_until_healthy
from devstack.issuer import DevIssuer

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class LocalStack:
    url: str
    issuer: DevIssuer

    def token(self, user: str, groups: list[str], **claims: object) -> str:
        return self.issuer.mint(user, groups, **claims)

    def auth(self, user: str, groups: list[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user, groups)}"}


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[LocalStack]:
    state = tmp_path_factory.mktemp("devstack")
    ports = {"api": free_port(), "dynamodb": free_port(), "issuer": free_port()}
    log = state / "devstack.log"
    command = [
        sys.executable, "-m", "devstack", "--no-seed", "--state-dir", str(state),
        "--port", str(ports["api"]), "--dynamodb-port", str(ports["dynamodb"]), "--issuer-port", str(ports["issuer"]),
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{ports['api']}"
    try:
        try:
            wait_until_healthy(url, process)
        except RuntimeError as error:
            pytest.fail(f"{error}:\n{log.read_text()[-4000:]}")
        yield LocalStack(url, DevIssuer(state))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if os.environ.get("CI"):
            print(f"\n--- local stack log (last 3000 chars) ---\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def admin(stack) -> dict[str, str]:
    return stack.auth("admin-1", ["admin"])


@pytest.fixture(scope="session")
def customer(stack) -> dict[str, str]:
    return stack.auth("customer-1", ["customer"])
