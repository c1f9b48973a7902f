"""In-memory stand-ins for the adapters, for service unit tests."""

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count

from shop.catalog.errors import ProductNotFound, VersionMismatch
from shop.catalog.models import MalformedProduct, Product
from shop.common.paging import position_of


class FakeProductStore:
    """Behaves like ProductsTable: conditional writes, newest-first listing by position."""

    def __init__(self) -> None:
        self.products: dict[str, Product] = {}

    def put_new(self, product: Product) -> None:
        assert product.id not in self.products, "ids must be unique"
        self.products[product.id] = product

    def get(self, product_id: str) -> Product:
        if product_id not in self.products:
            raise ProductNotFound(product_id)
        return self.products[product_id]

    def update(
        self, product_id: str, changes: dict[str, object], expected_version: int | None, now: datetime
    ) -> Product:
        current = self.get(product_id)
        if expected_version is not None and expected_version != current.version:
            raise VersionMismatch(product_id, expected_version, current.version)
        updated = current.model_copy(update={**changes, "version": current.version + 1, "updated_at": now})
        self.products[product_id] = updated
        return updated

    def delete(self, product_id: str) -> None:
        self.get(product_id)
        del self.products[product_id]

    def list_newest(self, category: str | None, limit: int, after: str | None) -> list[Product]:
        ordered = sorted(
            (p for p in self.products.values() if category is None or p.category == category),
            key=position_of,
            reverse=True,
        )
        if after is not None:
            ordered = [p for p in ordered if position_of(p) < after]
        return ordered[:limit]


# Each product a second after the last, so that listings sorted by time have one order.
_ticks = count()


def product(version: int = 1, **fields: object) -> Product:
    """A valid catalog product (a kettle), with any field overridden."""
    at = datetime(2026, 11, 27, 12, 0, tzinfo=UTC) + timedelta(seconds=next(_ticks))
    values: dict[str, object] = {
        "id": str(uuid.uuid4()),
        "name": "Kettle",
        "category": "kitchen",
        "price_cents": 2999,
        "currency": "USD",
        "stock": 4,
        "created_at": at,
        "updated_at": at,
        "version": version,
        **fields,
    }
    return Product.model_validate(values)


def scan_segment_of(product_id: str, total_segments: int) -> int:
    """Which segment of FakeCatalog's parallel scan reads this product."""
    return int(product_id.replace("-", ""), 16) % total_segments


class FakeCatalog(FakeProductStore):
    """A FakeProductStore that is also a CatalogSource: consistent reads by id and a paged parallel scan.

    `during_scan`, when set, runs once after segment 0 has handed out its first page: the place for
    a test to change the catalog (and the index, as the stream would) while a reconcile is copying.
    Segment 0 read its snapshot before, so it misses the change (see `scan_segment_of`).
    """

    def __init__(self, page_size: int = 3) -> None:
        super().__init__()
        self.page_size = page_size
        self.during_scan: Callable[[], None] | None = None
        self._lock = threading.Lock()
        # Items written around the API that are not valid products.
        self.malformed: dict[str, MalformedProduct] = {}

    def add(self, product: Product) -> Product:
        self.products[product.id] = product
        return product

    def add_malformed(self, product_id: str) -> MalformedProduct:
        self.malformed[product_id] = MalformedProduct(product_id, "price_cents: Input should be a valid integer")
        return self.malformed[product_id]

    def get_many(self, product_ids: list[str]) -> dict[str, Product | MalformedProduct]:
        items: dict[str, Product | MalformedProduct] = {**self.products, **self.malformed}
        return {pid: items[pid] for pid in product_ids if pid in items}

    def scan_products(self, segment: int, total_segments: int) -> Iterator[list[Product | MalformedProduct]]:
        # A snapshot per segment, as a scan that has already read its pages does not see later writes.
        with self._lock:
            everything: list[Product | MalformedProduct] = [*self.products.values(), *self.malformed.values()]
        mine = sorted((p for p in everything if scan_segment_of(p.id, total_segments) == segment), key=lambda p: p.id)
        for start in range(0, len(mine), self.page_size):
            yield mine[start : start + self.page_size]
            if segment != 0:
                continue
            with self._lock:
                # Under the lock: the other segments' threads may be taking their snapshots.
                hook, self.during_scan = self.during_scan, None
                if hook is not None:
                    hook()
