"""Start a whole local stack (`python -m devstack`) on free ports, for tests and benchmarks."""

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from devstack.common import free_port, wait_until_healthy
from devstack.issuer import CLIENT_ID, DevIssuer
from devstack.template import REPO_ROOT


class StackFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class RunningStack:
    url: str
    dynamodb_url: str
    opensearch_url: str
    lambda_url: str
    state_dir: Path
    log: Path
    # The built web app (frontend/dist) and the OpenID Connect provider it signs in through.
    web_url: str
    issuer_url: str
    client_id: str = CLIENT_ID

    @cached_property
    def issuer(self) -> DevIssuer:
        return DevIssuer(self.state_dir, self.issuer_url)

    def token(self, user: str, groups: list[str], **claims: object) -> str:
        return self.issuer.mint(user, groups, **claims)

    def auth(self, user: str, groups: list[str]) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user, groups)}"}


@contextmanager
def running_stack(
    state_dir: Path, seed_count: int = 0, ready_timeout: float = 180.0, web_dist: Path | None = None
) -> Iterator[RunningStack]:
    """A stack of our own on free ports, web app included (`web_dist`, else frontend/dist); stopped (SIGINT, as
    Ctrl-C) when the block ends."""
    ports = {name: free_port() for name in ("api", "dynamodb", "issuer", "opensearch", "lambda", "web", "vite")}
    log = state_dir / "devstack.log"
    command = [
        sys.executable, "-m", "devstack", "--state-dir", str(state_dir),
        "--port", str(ports["api"]), "--dynamodb-port", str(ports["dynamodb"]),
        "--issuer-port", str(ports["issuer"]), "--opensearch-port", str(ports["opensearch"]),
        "--lambda-port", str(ports["lambda"]), "--web-port", str(ports["web"]), "--vite-port", str(ports["vite"]),
        *(["--web-dist", str(web_dist)] if web_dist else []),
        *(["--seed-count", str(seed_count)] if seed_count else ["--no-seed"]),
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=output, stderr=subprocess.STDOUT)
    stack = RunningStack(
        url=f"http://127.0.0.1:{ports['api']}",
        dynamodb_url=f"http://127.0.0.1:{ports['dynamodb']}",
        opensearch_url=f"http://127.0.0.1:{ports['opensearch']}",
        lambda_url=f"http://127.0.0.1:{ports['lambda']}",
        state_dir=state_dir,
        log=log,
        web_url=f"http://127.0.0.1:{ports['web']}",
        issuer_url=f"http://127.0.0.1:{ports['issuer']}",
    )
    try:
        try:
            wait_until_healthy(stack.url, process, timeout_seconds=ready_timeout)
            # The API answers before the stream trigger and the demo catalog are ready; the banner comes after.
            _wait_for_banner(log, process, ready_timeout)
        except RuntimeError as error:
            raise StackFailed(f"{error}:\n{log.read_text()[-4000:]}") from None
        yield stack
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_banner(log: Path, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while "Local stack ready" not in log.read_text(errors="replace"):
        if process.poll() is not None:
            raise RuntimeError(f"the local stack exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError("the local stack did not finish seeding in time")
        time.sleep(0.5)
