"""Catalog rules: what creating, changing, deleting and listing products means.

Every function takes the store it works on (a ProductStore): shop.catalog.wiring composes the DynamoDB one,
once per container; tests pass a fake.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from shop.catalog.models import Product, ProductCreate, ProductPage, ProductUpdate
from shop.catalog.ports import ProductStore
from shop.common.paging import DEFAULT_PAGE_SIZE, LISTING, Pager, position_of


def _now() -> datetime:
    return datetime.now(UTC)


def create_product(data: ProductCreate, store: ProductStore, clock: Callable[[], datetime] = _now) -> Product:
    now = clock()
    product = Product(
        id=str(uuid.uuid4()),
        created_at=now,
        updated_at=now,
        version=1,
        **data.model_dump(),
    )
    store.put_new(product)
    return product


def get_product(product_id: str, store: ProductStore) -> Product:
    return store.get(product_id)


def update_product(
    product_id: str,
    update: ProductUpdate,
    store: ProductStore,
    expected_version: int | None = None,
    clock: Callable[[], datetime] = _now,
) -> Product:
    changes = update.changes()
    if "tags" in changes and changes["tags"] is None:
        changes["tags"] = []  # an absent tag list and an empty one mean the same
    return store.update(product_id, changes, expected_version, clock())


def delete_product(product_id: str, store: ProductStore) -> None:
    store.delete(product_id)


def list_products(
    store: ProductStore,
    cursor_key: bytes,
    category: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> ProductPage:
    """One page, newest first; a cursor pages only the listing (all, or one category) it came from."""
    pager = Pager(f"category:{category}" if category is not None else "all", limit, cursor_key, LISTING)
    items, next_cursor = pager.page(store.list_newest(category, pager.size, pager.start(cursor)), position_of)
    return ProductPage(items=items, next_cursor=next_cursor)
