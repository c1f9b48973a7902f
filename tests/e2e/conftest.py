"""End-to-end tests: HTTP against the whole local stack (`python -m devstack`), started once per session."""

from collections.abc import Iterator

import pytest

from devstack.launcher import RunningStack
from tests.local_stack import local_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[RunningStack]:
    with local_stack(tmp_path_factory.mktemp("devstack")) as started:
        yield started


@pytest.fixture(scope="session")
def admin(stack) -> dict[str, str]:
    return stack.auth("admin-1", ["admin"])


@pytest.fixture(scope="session")
def customer(stack) -> dict[str, str]:
    return stack.auth("customer-1", ["customer"])
