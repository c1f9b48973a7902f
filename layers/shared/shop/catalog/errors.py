"""The catalog's errors; shop.common.problems maps each to its problem."""

from shop.common.errors import ShopError


class ProductNotFound(ShopError):
    def __init__(self, product_id: str) -> None:
        super().__init__(f"product {product_id!r} does not exist")
        self.product_id = product_id


class VersionMismatch(ShopError):
    """The caller's If-Match names a version that is no longer current."""

    def __init__(self, product_id: str, expected: int, current: int) -> None:
        super().__init__(f"product {product_id!r} is at version {current}, not {expected}")
        self.product_id = product_id
        self.expected = expected
        self.current = current


class InvalidPrecondition(ShopError):
    """An If-Match header that is not a product version."""
