"""In-memory stand-ins for the adapters, for service unit tests."""

from datetime import datetime

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
