"""What the search functions' tests share: osmem-server reached through the functions' own settings."""

import pytest

from shop.common import clients
from shop.common.settings import opensearch_settings, search_admin_settings
from shop.search import wiring


def clear_search_caches() -> None:
    """The search settings, the OpenSearch client and the adapters composed on it, made afresh on next use."""
    for cached in (
        opensearch_settings,
        search_admin_settings,
        clients.opensearch_client,
        wiring.search_engine,
        wiring.search_index,
    ):
        cached.cache_clear()


@pytest.fixture
def opensearch(table, osmem_url, monkeypatch):
    """Functions reach osmem as they would reach the domain: through their settings."""
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", osmem_url)
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    clear_search_caches()
    yield osmem_url
    clear_search_caches()
