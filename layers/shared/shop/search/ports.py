"""What search's services need, in search's own types: an engine that answers queries, an index to write,
and the catalog to read products from."""

from collections.abc import Iterator
from typing import Any, Protocol

from shop.catalog.models import MalformedProduct, Product
from shop.common.paging import SortValues
from shop.search.models import Matches, SearchRequest, WriteAction, WriteOutcome


class SearchEngine(Protocol):
    def search(
        self, request: SearchRequest, size: int, after: SortValues | None, offset: int, preference: str
    ) -> Matches:
        """Up to `size` hits of the request, after the sort values `after` or `offset` hits into the ranking,
        with total and facets. `preference` names the query: its pages then come from the same shard copies,
        whose scores agree."""
        ...


class SearchWriter(Protocol):
    def write(self, actions: list[WriteAction], target: str | None = None) -> list[WriteOutcome]: ...
    def document_versions(self, target: str | None = None) -> Iterator[tuple[str, int]]: ...
    def versions_of(self, product_ids: list[str]) -> dict[str, int]: ...


class RebuildableIndex(SearchWriter, Protocol):
    def indices(self) -> list[str]: ...
    def create_index(self, name: str) -> None: ...
    def swap_alias(self, to_index: str) -> str | None: ...
    def delete_index(self, name: str) -> None: ...
    def refresh(self, target: str | None = None) -> None: ...


class EnsurableIndex(Protocol):
    def ensure(self) -> str: ...


class AdminIndex(RebuildableIndex, EnsurableIndex, Protocol):
    alias: str

    def current_index(self) -> str: ...


class CatalogSource(Protocol):
    def get_many(self, product_ids: list[str]) -> dict[str, Product | MalformedProduct]: ...
    def scan_products(self, segment: int, total_segments: int) -> Iterator[list[Product | MalformedProduct]]: ...


class SecurityConfiguration(Protocol):
    def put_role(self, name: str, definition: dict[str, Any]) -> None: ...
    def put_role_mapping(self, name: str, backend_roles: list[str]) -> None: ...
