"""Fixtures of the local stack's own tests."""

from collections.abc import Iterator

import pytest

from tests.devstack.gateway import Gateway, start_gateway, stop_gateway


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory, jwks_url: str) -> Iterator[Gateway]:
    """One devstack.apigw on the fixture template, shared by the tests that only call it; its user pool is the
    dev issuer's (`dev_issuer`)."""
    started = start_gateway(tmp_path_factory.mktemp("apigw"), jwks_url=jwks_url)
    yield started
    stop_gateway(started)
