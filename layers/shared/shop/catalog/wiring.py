"""The catalog's adapters composed once per container: what the handlers hand to the services.

Created on first use, and imported only then: importing a handler (its cold start) stays as cheap as it was
before the first request needs the table.
"""

from functools import cache
from typing import TYPE_CHECKING

from shop.common.settings import table_settings

if TYPE_CHECKING:
    from shop.catalog.dynamodb import ProductsTable


@cache
def product_store() -> "ProductsTable":
    from shop.catalog.dynamodb import ProductsTable

    return ProductsTable(table_settings().table_name)
