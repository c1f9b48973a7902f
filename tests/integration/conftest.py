"""Integration tests: the indexer and search code against a local OpenSearch-compatible server.

Each test gets its own clone of an empty osmem-server (the osmem pytest plugin's `osmem_url`),
reached through the same client code as in AWS, minus SigV4.
"""

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from shop.adapters import clients
from shop.adapters.search_index import SearchIndex
from shop.models import Product
from shop.services import search
from shop.settings import search_settings


@pytest.fixture
def search_index(osmem_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[SearchIndex]:
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", osmem_url)
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    for cached in (search_settings, clients.opensearch_client, search.default_engine):
        cached.cache_clear()
    index = SearchIndex()
    index.ensure()
    yield index
    for cached in (search_settings, clients.opensearch_client, search.default_engine):
        cached.cache_clear()


_BASE_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def make_product() -> Callable[..., Product]:
    counter = iter(range(1_000_000))

    def make(name: str, **fields: object) -> Product:
        at = _BASE_TIME + timedelta(minutes=next(counter))
        values: dict[str, object] = {
            "id": str(uuid.uuid4()),
            "name": name,
            "category": "audio",
            "price_cents": 1000,
            "currency": "USD",
            "stock": 5,
            "created_at": at,
            "updated_at": at,
            "version": 1,
        }
        values.update(fields)
        return Product.model_validate(values)

    return make
