"""Fixtures the services' unit tests share."""

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest


@pytest.fixture
def clock():
    """A clock one second further on at every reading, from a fixed moment."""
    ticks = count()
    start = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    return lambda: start + timedelta(seconds=next(ticks))
