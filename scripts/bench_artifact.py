"""The deployed artifact as Lambda runs it, laid out on this machine: `sam build`'s output (.aws-sam/build) copied
to a tree of /var/task directories (one per function) and an /opt (the shared layer), with:

- the same files and bytecode, except the layer's compiled extensions, swapped for this machine's builds of the same
  wheels (.build/layer-deps: `make install`), since the built layer is arm64;
- every file time set to 1980-01-01, as SAM's zip sets them (timestamp-validated bytecode would be stale);
- everything read-only, as /var/task and /opt are in Lambda.

`run_probe` starts a fresh interpreter on such a tree (scripts/bench_probe.py): it imports handlers, optionally
invokes one on an event, and reports timings and any module it had to compile from source. The bytecode test
(tests/build) and `make bench` both use it.
"""

import json
import os
import platform
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SAM_BUILD = REPO_ROOT / ".aws-sam" / "build"
LAYER_ID = "SharedLayer"
NATIVE_DEPS = REPO_ROOT / ".build" / "layer-deps"
PROBE = Path(__file__).resolve().parent / "bench_probe.py"
# What SAM's zip gives every entry: 1980-01-01 00:00, the earliest time a zip can hold.
ZIP_EPOCH = 315532800
# The runtime's interpreter: the bare python3.13 this venv was made from (nothing of a venv leaks in).
FUNCTION_PYTHON = os.environ.get(
    "FUNCTION_PYTHON", str(Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}")
)


# What every function's configuration gives it at import (local values; the bench adds the local stack's endpoints).
# LAMBDA_TASK_ROOT (set per run) tells Powertools it runs in Lambda: Tracer is on and patches its clients at init;
# the trace header and daemon address are what Lambda sets with active tracing (segments go to a closed UDP port).
IMPORT_ENVIRONMENT = {
    "TABLE_NAME": "ShopTable",
    "IDEMPOTENCY_TABLE_NAME": "IdempotencyTable",
    "CURSOR_SIGNING_KEY": "benchmark-only-cursor-signing-key",
    "JWT_ISSUER": "bench",
    "JWT_AUDIENCE": "bench",
    "JWKS_URL": "http://127.0.0.1:9/jwks.json",
    "OPENSEARCH_ENDPOINT": "http://127.0.0.1:9",
    "OPENSEARCH_AUTH": "none",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_LAMBDA_FUNCTION_NAME": "bench",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "_X_AMZN_TRACE_ID": "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1",
    "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
    "POWERTOOLS_SERVICE_NAME": "shop",
    "POWERTOOLS_METRICS_NAMESPACE": "Shop/bench",
    "CORS_ALLOWED_ORIGINS": "http://localhost:5173",
    # The order events' functions.
    "EVENT_BUS_NAME": "bench",
    "MAIL_FROM": "orders@example.com",
    "ORDER_PLACED_TEMPLATE": "bench-placed",
    "ORDER_STATUS_TEMPLATE": "bench-status",
    "ORDER_CANCELLED_TEMPLATE": "bench-cancelled",
    "USER_POOL_ID": "us-east-1_bench",
    "CONNECTIONS_TABLE_NAME": "bench-connections",
    "WEBSOCKET_MANAGEMENT_ENDPOINT": "https://bench.execute-api.us-east-1.amazonaws.com/live",
    "ALERTS_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:bench",
}


class StaleBuild(RuntimeError):
    """`.aws-sam/build` is missing or older than the sources: `make sam-build` first."""


@dataclass(frozen=True)
class ArtifactTree:
    root: Path

    @property
    def opt(self) -> Path:
        return self.root / "opt"

    def task_root(self, logical_id: str) -> Path:
        return self.root / "task" / logical_id

    def python_path(self, logical_id: str | None) -> list[str]:
        """sys.path's head in Lambda: the function's code, then the layer's python directory."""
        layer = [str(self.opt / "python")]
        return [str(self.task_root(logical_id)), *layer] if logical_id else layer


def built_functions(template: dict[str, Any]) -> dict[str, Path]:
    """Every function's source directory (its CodeUri), by logical id."""
    return {
        logical_id: REPO_ROOT / resource["Properties"]["CodeUri"]
        for logical_id, resource in template["Resources"].items()
        if isinstance(resource, dict) and resource.get("Type") == "AWS::Serverless::Function"
    }


def stale_sources(functions: dict[str, Path]) -> list[str]:
    """Sources whose built copy is missing or differs: the build no longer matches the tree."""
    pairs = [(REPO_ROOT / "layers" / "shared" / "shop", SAM_BUILD / LAYER_ID / "python" / "shop")]
    pairs += [(source, SAM_BUILD / logical_id) for logical_id, source in functions.items()]
    stale = []
    for source_dir, built_dir in pairs:
        for source in source_dir.rglob("*.py"):
            if "__pycache__" in source.parts:
                continue
            built = built_dir / source.relative_to(source_dir)
            if not built.is_file() or built.read_bytes() != source.read_bytes():
                stale.append(str(source.relative_to(REPO_ROOT)))
    return stale


def _native_extension(arm64_extension: Path, layer_python: Path) -> Path:
    relative = arm64_extension.relative_to(layer_python)
    native = NATIVE_DEPS / str(relative).replace("aarch64", platform.machine())
    if not native.is_file():
        raise StaleBuild(f"no {native} for the layer's {relative}: run `make install` (it builds .build/layer-deps)")
    return native


def _dist_infos(directory: Path) -> set[str]:
    return {path.name for path in directory.glob("*.dist-info")}


def _freeze(root: Path) -> None:
    """1980 file times and no write permission, files and directories alike."""
    for directory, _, files in os.walk(root, topdown=False):
        for name in files:
            path = Path(directory, name)
            path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
            os.utime(path, (ZIP_EPOCH, ZIP_EPOCH))
        path = Path(directory)
        path.chmod(0o555)
        os.utime(path, (ZIP_EPOCH, ZIP_EPOCH))


def thaw(root: Path) -> None:
    """Make a frozen tree removable again."""
    for directory, _, _ in os.walk(root):
        Path(directory).chmod(0o755)


def lay_out(destination: Path, functions: dict[str, Path], *, bytecode: bool = True) -> ArtifactTree:
    """The artifact under `destination` (which must not exist); without bytecode: as SAM's python builder ships."""
    if not (SAM_BUILD / LAYER_ID).is_dir():
        raise StaleBuild(f"no {SAM_BUILD / LAYER_ID}: run `make sam-build` first")
    stale = stale_sources(functions)
    if stale:
        raise StaleBuild(f"{len(stale)} sources differ from .aws-sam/build (e.g. {stale[0]}): run `make sam-build`")
    tree = ArtifactTree(destination)
    ignore = None if bytecode else shutil.ignore_patterns("__pycache__")
    shutil.copytree(SAM_BUILD / LAYER_ID, tree.opt, ignore=ignore)
    for logical_id in functions:
        shutil.copytree(SAM_BUILD / logical_id, tree.task_root(logical_id), ignore=ignore)
    layer_python = tree.opt / "python"
    if _dist_infos(layer_python) != _dist_infos(NATIVE_DEPS):
        raise StaleBuild(f"{NATIVE_DEPS} holds other packages than the built layer: run `make install`")
    if platform.machine() != "aarch64":
        for extension in [*layer_python.rglob("*.so")]:
            native = _native_extension(extension, layer_python)
            extension.unlink()
            shutil.copy2(native, layer_python / native.relative_to(NATIVE_DEPS))
    _freeze(destination)
    return tree


@dataclass(frozen=True)
class ProbeResult:
    # From the process's start to the first request's answer (perf_counter is the system's monotonic clock on
    # Linux, the same in both processes): interpreter start, imports, first request; the exit is left out.
    seconds: float
    report: dict[str, Any]  # the probe's own figures (import, first request, status, modules compiled from source)


def run_probe(
    tree: ArtifactTree,
    logical_id: str | None,
    *,
    handlers: list[str] | None = None,
    event: Path | None = None,
    statement: str | None = None,
    watch_compiles: bool = False,
    environment: dict[str, str] | None = None,
) -> ProbeResult:
    """One fresh interpreter, in the function's task root, as Lambda starts it (LAMBDA_TASK_ROOT set: tracing on)."""
    cwd = tree.task_root(logical_id) if logical_id else tree.opt
    spec = {
        "path": tree.python_path(logical_id),
        "handlers": handlers if handlers is not None else (["app"] if logical_id else []),
        "event": str(event) if event else None,
        "statement": statement,
        "watch": [str(tree.root)] if watch_compiles else [],
    }
    env = {
        "PATH": os.environ["PATH"],
        "LAMBDA_TASK_ROOT": str(cwd),
        # Lambda's /var/task and /opt are read-only: a write of bytecode fails there. This machine's root would
        # succeed and change the tree under the next run, so no bytecode is written at all.
        "PYTHONDONTWRITEBYTECODE": "1",
        **(environment or {}),
    }
    spawned = time.perf_counter()
    completed = subprocess.run(
        [FUNCTION_PYTHON, "-s", "-c", PROBE.read_text(), json.dumps(spec)],
        env=env, cwd=cwd, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        raise RuntimeError(f"probe of {logical_id or 'the floor'} failed:\n{completed.stderr[-4000:]}")
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    return ProbeResult(report["answered_at"] - spawned, report)
