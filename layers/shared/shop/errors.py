"""Domain errors. They know nothing about HTTP: shop.api maps each type to a response."""


class ShopError(Exception):
    """Base of every error the API answers on purpose: a 4xx, or 503 when a dependency is down."""


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


class InvalidCursor(ShopError):
    """A pagination cursor this API did not issue (tampered, truncated, or from another query)."""

    def __init__(self) -> None:
        super().__init__("the cursor is not valid for this query; start again without it")


class UnsupportedMediaType(ShopError):
    """A request body that is not JSON."""

    def __init__(self, content_type: str) -> None:
        super().__init__(f"send Content-Type: application/json, not {content_type!r}")
        self.content_type = content_type


class Unauthenticated(ShopError):
    """No verified identity reached the handler."""

    def __init__(self) -> None:
        super().__init__("sign in to use this route")


class Forbidden(ShopError):
    def __init__(self, group: str) -> None:
        super().__init__(f"this route needs membership of the {group!r} group")
        self.group = group


class SearchUnavailable(ShopError):
    """The search service cannot answer right now (down, overloaded, or its index not created yet)."""


class InvalidSearch(ShopError):
    """Search parameters that are each valid but make no sense together."""


class InvalidCatalogRecord(Exception):
    """A stream record that cannot become a search document; retrying it will not help.

    Not a ShopError: no API route answers with it; the indexer reports the record as failed.
    """
