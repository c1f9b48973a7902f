"""The whole local stack (`python -m devstack`) as the suites that test against it start it: the browser tests and
the end-to-end tests each run one of their own per session, the smoke suite one per module."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devstack.launcher import RunningStack, StackFailed, running_stack


@contextmanager
def local_stack(state: Path, seed_count: int = 0) -> Iterator[RunningStack]:
    """A running stack with its state (and log) in `state`, and `seed_count` demo products. A stack that does not
    start fails the test with the end of its log rather than erroring; in CI, where the log is not kept, its end is
    printed when the stack stops."""
    try:
        with running_stack(state, seed_count=seed_count) as started:
            yield started
    except StackFailed as error:
        pytest.fail(str(error))
    finally:
        if os.environ.get("CI") and (state / "devstack.log").exists():
            print(f"\n--- local stack log (last 3000 chars) ---\n{(state / 'devstack.log').read_text()[-3000:]}")
