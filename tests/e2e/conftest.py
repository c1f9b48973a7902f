"""End-to-end tests: HTTP against the whole local stack (`python -m devstack`), started once per session."""

import os
from collections.abc import Iterator

import pytest

from devstack.launcher import RunningStack, StackFailed, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[RunningStack]:
    state = tmp_path_factory.mktemp("devstack")
    try:
        with running_stack(state) as started:
            yield started
    except StackFailed as error:
        pytest.fail(str(error))
    finally:
        if os.environ.get("CI") and (state / "devstack.log").exists():
            print(f"\n--- local stack log (last 3000 chars) ---\n{(state / 'devstack.log').read_text()[-3000:]}")


@pytest.fixture(scope="session")
def admin(stack) -> dict[str, str]:
    return stack.auth("admin-1", ["admin"])


@pytest.fixture(scope="session")
def customer(stack) -> dict[str, str]:
    return stack.auth("customer-1", ["customer"])
