"""What the catalog's rules need from storage, in the catalog's own types."""

from datetime import datetime
from typing import Protocol

from shop.catalog.models import Product


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
