"""The local loop's figures: how long `make dev` takes from a clone to a stack that answers GET /health.

1. Clean clone: `git clone` of this repo's committed HEAD into a temporary directory, then `make dev`, which
   installs what the stack runs on (.venv, .venv-sam, the layer's dependencies, the web app's node_modules and
   build) before it starts. Minutes: BENCH_DEV_LOOP_CLEAN=0 skips it, and the clone then borrows this checkout's
   installed environments (links, as a git worktree would) for an untimed first start instead.
2. Warm clone: the same clone started again, everything installed and built (goal: at most 20 s); the median
   of BENCH_DEV_LOOP_WARM_RUNS starts (3), as this machine is shared and noisy.

Each start runs on ports of its own (PORT, WEB_PORT, ... as `make dev` reads them), seeds the demo catalog as
`make dev` does, and is stopped as Ctrl-C stops it (SIGINT to its process group) once it is healthy and ready.
"""

import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from devstack.common import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
WARM_GOAL_SECONDS = 20.0
# A clean start installs every environment and the web app's packages: allow for a slow, shared machine.
CLEAN_TIMEOUT_SECONDS = float(os.environ.get("BENCH_DEV_LOOP_CLEAN_TIMEOUT", "1800"))
WARM_TIMEOUT_SECONDS = 300.0
WARM_RUNS = max(1, int(os.environ.get("BENCH_DEV_LOOP_WARM_RUNS", "3")))
PORT_VARIABLES = (
    "PORT", "WEB_PORT", "VITE_PORT", "DYNAMODB_PORT", "ISSUER_PORT", "OPENSEARCH_PORT", "LAMBDA_PORT",
    "EVENTS_PORT", "WS_PORT", "MAIL_PORT",
)  # fmt: skip
# What a clone borrows from this checkout when the clean figure is skipped, if installed there (its stamp).
ENVIRONMENTS = (".venv", ".venv-sam", ".build/layer-deps", "frontend/node_modules")
INSTALLED_STAMP = ".installed"
READY = "Local stack ready"


@dataclass(frozen=True)
class Start:
    to_healthy: float
    to_ready: float | None  # the banner: demo catalog seeded, stream triggers and event bus running


def healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/health", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def start_once(clone: Path, log: Path, timeout: float) -> Start:
    """`make dev` in `clone` until GET /health answers 200 and the banner is printed, then Ctrl-C."""
    ports = {name: str(free_port()) for name in PORT_VARIABLES}
    url = f"http://127.0.0.1:{ports['PORT']}"
    environment = {**os.environ, **ports}
    # The clone's own make, not any make level or venv this script runs under.
    for inherited in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "VIRTUAL_ENV", "VERBOSE", "SEED"):
        environment.pop(inherited, None)
    started = time.monotonic()
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "dev"],
            cwd=clone,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own, as a terminal's foreground job
        )
    to_healthy: float | None = None
    try:
        while True:
            elapsed = time.monotonic() - started
            if process.poll() is not None:
                raise RuntimeError(f"make dev exited with {process.returncode}; see {log}:\n{tail(log)}")
            if elapsed > timeout:
                raise RuntimeError(f"make dev not ready within {timeout:.0f} s; see {log}:\n{tail(log)}")
            if to_healthy is None and healthy(url):
                to_healthy = elapsed
            if to_healthy is not None and READY in log.read_text(errors="replace"):
                return Start(to_healthy, elapsed)
            time.sleep(0.1)
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    for signum, wait in ((signal.SIGINT, 60), (signal.SIGTERM, 10), (signal.SIGKILL, None)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def clone_repo(target: Path) -> None:
    """The committed HEAD of this checkout (uncommitted changes are not part of a clone)."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(REPO_ROOT), str(target)], check=True)
    subprocess.run(["git", "checkout", "--quiet", head], cwd=target, check=True)


def borrow_environments(clone: Path) -> None:
    """Link this checkout's installed environments into the clone, and date the clone's files before their
    install stamps, so that make finds them up to date rather than reinstalling into them. One not installed
    here is left for the clone's first (untimed) start to install: make never writes into a linked one."""
    for relative in ENVIRONMENTS:
        source = (REPO_ROOT / relative).resolve()
        if not (source / INSTALLED_STAMP).is_file():
            continue
        link = clone / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(source)
    long_ago = time.time() - 10 * 365 * 24 * 3600
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=clone, check=True, capture_output=True).stdout
    for name in tracked.decode().split("\0"):
        if name:
            os.utime(clone / name, (long_ago, long_ago), follow_symlinks=False)


def median_start(starts: list[Start]) -> Start:
    ready = [start.to_ready for start in starts if start.to_ready is not None]
    return Start(statistics.median(start.to_healthy for start in starts), statistics.median(ready) if ready else None)


def describe(label: str, start: Start, goal: float | None = None) -> str:
    ready = f"; ready with the demo catalog seeded: {start.to_ready:.1f} s" if start.to_ready is not None else ""
    verdict = ""
    if goal is not None:
        verdict = f"   (goal <= {goal:.0f} s: {'met' if start.to_healthy <= goal else 'missed'})"
    return f"  {label:<34}{start.to_healthy:7.1f} s to /health{ready}{verdict}"


def main() -> int:
    clean_wanted = os.environ.get("BENCH_DEV_LOOP_CLEAN", "1").lower() not in {"0", "no", "false"}
    keep = os.environ.get("BENCH_DEV_LOOP_KEEP", "").lower() in {"1", "yes", "true"}
    print("\n== make dev: clone to healthy ==", flush=True)
    directory = Path(tempfile.mkdtemp(prefix="shop-dev-loop-"))
    clone = directory / "shop"
    try:
        clone_repo(clone)
        lines = []
        if clean_wanted:
            clean = start_once(clone, directory / "clean.log", CLEAN_TIMEOUT_SECONDS)
            lines.append(describe("clean clone (installs everything)", clean))
        else:
            borrow_environments(clone)
            first = start_once(clone, directory / "first.log", WARM_TIMEOUT_SECONDS)
            lines.append(describe("first start (environments linked)", first))
            lines.append("  clean clone                       skipped (BENCH_DEV_LOOP_CLEAN=0)")
        warm = [start_once(clone, directory / f"warm-{run}.log", WARM_TIMEOUT_SECONDS) for run in range(WARM_RUNS)]
        lines.append(describe(f"warm clone (median of {len(warm)} starts)", median_start(warm), WARM_GOAL_SECONDS))
        lines.append(f"    each start, to /health: {', '.join(f'{start.to_healthy:.1f} s' for start in warm)}")
        print("\n".join(lines), flush=True)
    finally:
        if keep:
            print(f"  (kept {directory})")
        else:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
