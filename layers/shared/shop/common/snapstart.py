"""Lambda SnapStart: what must be unique to each execution environment is made again after a restore.

With SnapStart (template.yaml, parameter SnapStart), Lambda initialises a published version once, snapshots its
memory, and starts every later environment from that snapshot. Whatever init computed is then shared by all of
them, so after a restore:
- the `random` module is reseeded from the OS (the snapshot's state would give every environment the same
  sequence; `uuid4` and `secrets` read the OS directly and need nothing);
- every cached factory of the package (`functools.cache` at module level: clients, the stores built on them,
  settings) and boto3's default session are dropped, so clients are made again on first use, with new
  connections (the snapshot's sockets are dead) and the credentials Lambda gives the restored environment.

Lambda's Python runtime provides `snapshot_restore_py` (it is not shipped in the layer: a copy there would
shadow the runtime's, whose registry is the one Lambda calls); elsewhere there is nothing to register with.
"""

import random
import sys
from collections.abc import Callable
from typing import Any


def _cached_factories() -> list[Callable[..., Any]]:
    return [
        value
        for name, module in list(sys.modules.items())
        if name == "shop" or name.startswith("shop.")
        for value in list(vars(module).values())
        if callable(getattr(value, "cache_clear", None)) and getattr(value, "__module__", None) == name
    ]


def after_restore() -> None:
    """Runs in each environment restored from a snapshot, before its first request."""
    random.seed()
    for factory in _cached_factories():
        factory.cache_clear()  # type: ignore[attr-defined]
    boto3 = sys.modules.get("boto3")
    if boto3 is not None:
        boto3.DEFAULT_SESSION = None  # type: ignore[attr-defined]


def register() -> bool:
    """Register the hook with Lambda's runtime; False where there is no runtime to register with."""
    try:
        from snapshot_restore_py import register_after_restore  # type: ignore[import-untyped]
    except ImportError:
        return False
    register_after_restore(after_restore)
    return True


registered = register()
