"""Search's adapters composed once per container: what the handlers hand to the services.

Each is created on first use and imports its adapter only then, so a function pays only for what it calls.
Each validates the OpenSearch settings, so that a function composing one at cold start fails there when
configuration is missing.
"""

from functools import cache
from typing import TYPE_CHECKING

from shop.common.settings import opensearch_settings, table_settings

if TYPE_CHECKING:
    from shop.catalog.dynamodb import ProductsTable
    from shop.search.administration.security import SearchSecurity
    from shop.search.index import SearchIndex
    from shop.search.query.opensearch import OpenSearchQuery


@cache
def search_engine() -> "OpenSearchQuery":
    from shop.search.query.opensearch import OpenSearchQuery

    opensearch_settings()
    return OpenSearchQuery()


@cache
def search_index() -> "SearchIndex":
    from shop.search.index import SearchIndex

    opensearch_settings()
    return SearchIndex()


def catalog_source() -> "ProductsTable":
    """The catalog's table, as reconcile and rebuild read it."""
    from shop.catalog.dynamodb import ProductsTable

    return ProductsTable(table_settings().table_name)


def search_security() -> "SearchSecurity":
    from shop.search.administration.security import SearchSecurity

    opensearch_settings()
    return SearchSecurity()
