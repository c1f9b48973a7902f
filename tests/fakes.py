"""In-memory stand-ins for the adapters, for service unit tests."""

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from shop.adapters.products_table import MalformedProduct
from shop.adapters.search_index import DeleteProduct, WriteAction, WriteOutcome, document_of
from shop.cursor import position_of
from shop.errors import ProductNotFound, VersionMismatch
from shop.models import Product


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


class FakeSearchIndex:
    """Behaves like SearchIndex for the indexing service.

    External versioning: a write applies only when its version is above the stored one (tombstones
    included), otherwise it is a 409 that counts as done; a delete leaves a tombstone; deleting a
    missing document is a 404 that counts as done. Indices sit behind one alias. `fail` makes the
    writes of chosen product ids fail as a blocked index would.
    """

    def __init__(self, alias: str = "products") -> None:
        self.alias = alias
        self.target_of_alias: str | None = None
        # index name -> product id -> (version, product or None for a tombstone)
        self.stored: dict[str, dict[str, tuple[int, Product | None]]] = {}
        self.fail: dict[str, str] = {}
        self.requests: list[tuple[list[WriteAction], str | None]] = []
        # Index operations in order: ("refresh" | "swap" | "delete", index name).
        self.log: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    # Set-up helpers for tests.
    def with_index(self, name: str = "products-v1") -> "FakeSearchIndex":
        self.create_index(name)
        self.swap_alias(name)
        return self

    def documents(self, target: str | None = None) -> dict[str, Product]:
        """The live documents (no tombstones) of an index, by product id."""
        return {pid: product for pid, (_, product) in self.stored[self._name(target)].items() if product is not None}

    def _name(self, target: str | None) -> str:
        name = target or self.target_of_alias
        if name is None or name not in self.stored:
            raise LookupError(f"no such index {name!r}")
        return name

    # RebuildableIndex.
    def indices(self) -> list[str]:
        return sorted(self.stored)

    def create_index(self, name: str) -> None:
        assert name not in self.stored, f"{name} exists"
        self.stored[name] = {}

    def swap_alias(self, to_index: str) -> str | None:
        assert to_index in self.stored
        previous, self.target_of_alias = self.target_of_alias, to_index
        self.log.append(("swap", to_index))
        return previous

    def delete_index(self, name: str) -> None:
        assert name != self.target_of_alias, "deleting the index the alias points at"
        del self.stored[name]
        self.log.append(("delete", name))

    def refresh(self, target: str | None = None) -> None:
        self.log.append(("refresh", self._name(target)))

    def write(self, actions: list[WriteAction], target: str | None = None) -> list[WriteOutcome]:
        with self._lock:
            self.requests.append((list(actions), target))
            documents = self.stored[self._name(target)]
            outcomes: list[WriteOutcome] = []
            for action in actions:
                if action.product_id in self.fail:
                    outcomes.append(WriteOutcome(False, 403, self.fail[action.product_id]))
                    continue
                current = documents.get(action.product_id)
                if current is not None and action.version <= current[0]:
                    outcomes.append(WriteOutcome(True, 409))
                elif isinstance(action, DeleteProduct):
                    documents[action.product_id] = (action.version, None)
                    outcomes.append(WriteOutcome(True, 200 if current is not None and current[1] else 404))
                else:
                    documents[action.product_id] = (action.version, action.product)
                    outcomes.append(WriteOutcome(True, 201))
            return outcomes

    def document_versions(self, target: str | None = None) -> Iterator[tuple[str, int]]:
        with self._lock:
            documents = dict(self.stored[self._name(target)])
        return iter(sorted((pid, version) for pid, (version, product) in documents.items() if product is not None))

    def versions_of(self, product_ids: list[str]) -> dict[str, int]:
        documents = self.stored[self._name(None)]
        return {pid: documents[pid][0] for pid in product_ids if pid in documents and documents[pid][1] is not None}


class FakeSearchEngine:
    """Answers search bodies from a fixed list of hits, ordered by (price_cents, id), honouring size,
    from and search_after; records each body it was sent."""

    def __init__(self, products: list[Product]) -> None:
        self.products = sorted(products, key=lambda p: (p.price_cents, p.id))
        self.bodies: list[dict[str, Any]] = []
        self.preferences: list[str | None] = []

    def search(self, body: dict[str, Any], preference: str | None = None) -> dict[str, Any]:
        self.bodies.append(body)
        self.preferences.append(preference)
        ordered = [(p, [p.price_cents, p.id]) for p in self.products]
        if "search_after" in body:
            ordered = [(p, key) for p, key in ordered if tuple(key) > tuple(body["search_after"])]
        empty: dict[str, Any] = {"buckets": [], "sum_other_doc_count": 0}
        start = body.get("from", 0)
        return {
            "hits": {
                "total": {"value": len(self.products), "relation": "eq"},
                "hits": [
                    {"_id": p.id, "_source": document_of(p), "sort": key, "highlight": {"name.plain": [p.name]}}
                    for p, key in ordered[start : start + body["size"]]
                ],
            },
            "aggregations": {
                "category": {"doc_count": 0, "values": empty},
                "brand": {"doc_count": 0, "values": empty},
                "price": {"doc_count": 0, "values": {"buckets": [{"doc_count": 0} for _ in range(6)]}},
            },
        }
