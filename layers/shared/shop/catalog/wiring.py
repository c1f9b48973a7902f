"""The catalog's services composed with their adapters, once per container: what the handlers call."""

from functools import cache

from shop.catalog.dynamodb import ProductsTable
from shop.common.settings import table_settings


@cache
def product_store() -> ProductsTable:
    return ProductsTable(table_settings().table_name)
