"""Integration tests: the indexer and search code against a local OpenSearch-compatible server.

Each test gets its own clone of an empty osmem-server (the osmem pytest plugin's `osmem_url`),
reached through the same client code as in AWS, minus SigV4.
"""

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shop.catalog.dynamodb import ProductsTable
from shop.catalog.models import Product
from shop.common import clients
from shop.common.settings import opensearch_settings
from shop.search import wiring
from shop.search.index import SearchIndex
from shop.search.models import IndexProduct, SearchRequest, SearchResults
from shop.search.query import service as search
from shop.search.query.opensearch import OpenSearchQuery


@pytest.fixture
def opensearch_env(osmem_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The search settings and client pointed at a fresh, empty server clone."""
    monkeypatch.setenv("OPENSEARCH_ENDPOINT", osmem_url)
    monkeypatch.setenv("OPENSEARCH_AUTH", "none")
    for cached in (opensearch_settings, clients.opensearch_client, wiring.search_engine, wiring.search_index):
        cached.cache_clear()
    yield osmem_url
    for cached in (opensearch_settings, clients.opensearch_client, wiring.search_engine, wiring.search_index):
        cached.cache_clear()


@pytest.fixture
def search_index(opensearch_env: str) -> SearchIndex:
    index = SearchIndex()
    index.ensure_once()
    return index


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


CURSOR_KEY = b"integration-tests-cursor-signing-key-0123"
# The template's table, by its logical id (as tests/handlers names it).
CATALOG_TABLE = "ShopTable"


@pytest.fixture
def put(search_index: SearchIndex) -> Callable[..., list[Product]]:
    """Index products through the alias, check every write succeeded, and make them searchable."""

    def index(*products: Product) -> list[Product]:
        outcomes = search_index.write([IndexProduct(product) for product in products])
        assert all(outcome.ok for outcome in outcomes), outcomes
        search_index.refresh()
        return list(products)

    return index


@pytest.fixture
def find(search_index: SearchIndex) -> Callable[..., SearchResults]:
    """One page of search results from the test's index."""

    def run(q: str = "", limit: int = 20, cursor: str | None = None, **request: Any) -> SearchResults:
        return search.search_products(
            SearchRequest(q=q, **request), limit=limit, cursor=cursor, engine=OpenSearchQuery(), cursor_key=CURSOR_KEY
        )

    return run


@pytest.fixture
def catalog_table(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProductsTable]:
    """The template's table in moto, as the catalog the index is rebuilt from."""
    import boto3
    from moto import mock_aws

    from devstack.template import create_table_requests, load_template

    clients.aws_client.cache_clear()
    with mock_aws():
        client = boto3.client("dynamodb")
        for request in create_table_requests(load_template()):
            client.create_table(**request)
        yield ProductsTable(CATALOG_TABLE)
    clients.aws_client.cache_clear()
