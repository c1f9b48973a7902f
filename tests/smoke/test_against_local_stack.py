"""The smoke suite (test_deployed_api.py) against a local stack, in `make test`: a smoke test that cannot pass
here would fail the pipeline's integration stage for the wrong reason, so it fails here first.

The stack has a small demo catalog, so that the paging and search branches of the tests run.
"""

from collections.abc import Iterator

import pytest

from tests.local_stack import local_stack
from tests.smoke.test_deployed_api import *  # noqa: F403 - the same tests, collected again in this module

pytestmark = pytest.mark.e2e

SEEDED_PRODUCTS = 12


@pytest.fixture(scope="module")
def api_url(tmp_path_factory) -> Iterator[str]:
    """Overrides the conftest's SHOP_API_URL for the tests collected in this module."""
    state = tmp_path_factory.mktemp("smoke-stack")
    with local_stack(state, seed_count=SEEDED_PRODUCTS) as stack:
        yield stack.url


def test_given_the_local_catalog_then_the_smoke_tests_took_their_data_dependent_branches(api_url):
    # The paging and search tests check more when there is data; make sure the local run is one that does.
    first_page = get(f"{api_url}/products", limit=2).json()  # noqa: F405 - from the smoke module
    assert first_page["next_cursor"] is not None
    assert get(f"{api_url}/search", q="wireless headphones", limit=3).json()["items"]  # noqa: F405
