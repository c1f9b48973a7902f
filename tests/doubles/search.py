"""In-memory stand-ins for search's ports: the index the indexer writes, and the engine the query asks."""

import threading
from collections.abc import Iterator
from typing import Any

from shop.catalog.models import Product
from shop.common.paging import SortValues
from shop.search.models import (
    DeleteProduct,
    Match,
    Matches,
    PriceBucket,
    SearchFacets,
    SearchHit,
    SearchRequest,
    WriteAction,
    WriteOutcome,
)
from shop.search.query.opensearch import PRICE_RANGES


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
    """The SearchEngine port over a fixed list of products, ordered by (price_cents, id): honours size, the
    offset and the sort values to start after, and records what each call asked for in the form of an
    OpenSearch body's paging keys (`size`, `from` when not 0, `search_after` when given)."""

    def __init__(self, products: list[Product]) -> None:
        self.products = sorted(products, key=lambda p: (p.price_cents, p.id))
        self.asked: list[dict[str, Any]] = []
        self.preferences: list[str | None] = []

    def search(
        self, request: SearchRequest, size: int, after: SortValues | None, offset: int, preference: str
    ) -> Matches:
        asked: dict[str, Any] = {"size": size}
        if after is not None:
            asked["search_after"] = after
        if offset:
            asked["from"] = offset
        self.asked.append(asked)
        self.preferences.append(preference)
        ordered: list[tuple[Product, SortValues]] = [(p, [p.price_cents, p.id]) for p in self.products]
        if after is not None:
            ordered = [(p, key) for p, key in ordered if tuple(key) > tuple(after)]
        return Matches(
            hits=[
                Match(SearchHit(**p.model_dump(), highlight={"name": [p.name]}), key)
                for p, key in ordered[offset : offset + size]
            ],
            total=len(self.products),
            facets=SearchFacets(
                category=[],
                brand=[],
                price=[PriceBucket(from_cents=low, to_cents=high, count=0) for low, high in PRICE_RANGES],
                category_other_count=0,
                brand_other_count=0,
                brand_missing_count=0,
            ),
        )
