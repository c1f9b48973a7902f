"""Catalog rules: what creating, changing, deleting and listing products means."""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import Protocol

from shop.cursor import decode_cursor, encode_cursor, position_of
from shop.models import Product, ProductCreate, ProductPage, ProductUpdate

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class ProductStore(Protocol):
    def put_new(self, product: Product) -> None: ...
    def get(self, product_id: str) -> Product: ...
    def update(
        self,
        product_id: str,
        changes: dict[str, object],
        expected_version: int | None,
        now: datetime,
    ) -> Product: ...
    def delete(self, product_id: str) -> None: ...
    def list_newest(self, category: str | None, limit: int, after: str | None) -> list[Product]: ...


@cache
def default_store() -> ProductStore:
    from shop.adapters.products_table import ProductsTable
    from shop.settings import catalog_settings

    return ProductsTable(catalog_settings().table_name)


def _now() -> datetime:
    return datetime.now(UTC)


def create_product(
    data: ProductCreate,
    store: ProductStore | None = None,
    clock: Callable[[], datetime] = _now,
) -> Product:
    now = clock()
    product = Product(
        id=str(uuid.uuid4()),
        created_at=now,
        updated_at=now,
        version=1,
        **data.model_dump(),
    )
    (store or default_store()).put_new(product)
    return product


def get_product(product_id: str, store: ProductStore | None = None) -> Product:
    return (store or default_store()).get(product_id)


def update_product(
    product_id: str,
    update: ProductUpdate,
    expected_version: int | None = None,
    store: ProductStore | None = None,
    clock: Callable[[], datetime] = _now,
) -> Product:
    changes = update.changes()
    if "tags" in changes and changes["tags"] is None:
        changes["tags"] = []  # an absent tag list and an empty one mean the same
    return (store or default_store()).update(product_id, changes, expected_version, clock())


def delete_product(product_id: str, store: ProductStore | None = None) -> None:
    (store or default_store()).delete(product_id)


def list_products(
    category: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    store: ProductStore | None = None,
    cursor_key: bytes | None = None,
) -> ProductPage:
    """One page, newest first. Reads one extra item so the last page carries no cursor."""
    from shop.settings import cursor_signing_key

    key = cursor_key or cursor_signing_key()
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be within 1..{MAX_PAGE_SIZE}")
    scope = f"category:{category}" if category is not None else "all"
    after = decode_cursor(cursor, scope, key) if cursor else None
    items = (store or default_store()).list_newest(category, limit + 1, after)
    page, more = items[:limit], len(items) > limit
    return ProductPage(
        items=page,
        next_cursor=encode_cursor(scope, position_of(page[-1]), key) if more else None,
    )
