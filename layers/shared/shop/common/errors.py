"""Errors every context shares. They know nothing about HTTP: shop.common.problems maps each type to an answer."""


class ShopError(Exception):
    """Base of every error the API answers on purpose: a 4xx, or 503 when a dependency is down."""


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


class WriteConflict(Exception):
    """A conditional write lost a race that a fresh read may win (the cart, a price or a product changed):
    the service retries a bounded number of times. Not a ShopError on purpose."""
