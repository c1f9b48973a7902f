"""Fixtures of commerce's unit tests."""

import pytest

from tests.doubles.commerce import FakeCommerceStore


@pytest.fixture
def store():
    """Carts, orders and the catalog they read, in memory."""
    return FakeCommerceStore()
