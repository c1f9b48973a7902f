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


# --- Commerce: carts, orders, checkout (issue 4) ---


class CartEmpty(ShopError):
    """Checkout of a cart with nothing orderable in it."""

    def __init__(self) -> None:
        super().__init__("the cart is empty; add items before checking out")


class CartFull(ShopError):
    def __init__(self, max_lines: int) -> None:
        super().__init__(f"a cart holds at most {max_lines} different products; remove one first")
        self.max_lines = max_lines


class MixedCurrencies(ShopError):
    """The cart's products are priced in more than one currency, so no single order total exists."""

    def __init__(self, currencies: list[str]) -> None:
        super().__init__(f"the cart mixes currencies {', '.join(currencies)}; check them out separately")
        self.currencies = currencies


class OutOfStock(ShopError):
    """Some lines ask for more than is in stock; nothing was changed."""

    def __init__(self, product_ids: list[str]) -> None:
        super().__init__(f"not enough stock for products: {', '.join(product_ids)}")
        self.product_ids = product_ids


class TooManyConflicts(ShopError):
    """The request lost a race with concurrent changes (to the cart, or in DynamoDB) on every attempt."""

    def __init__(self) -> None:
        super().__init__("the cart or order kept changing during the request; review it and try again")


class OrderNotFound(ShopError):
    """No such order, or one the caller may not see (the same answer, so ids leak nothing)."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id!r} does not exist")
        self.order_id = order_id


class InvalidTransition(ShopError):
    def __init__(self, order_id: str, current: str, target: str) -> None:
        super().__init__(f"order {order_id!r} is {current}; it cannot become {target}")
        self.order_id = order_id
        self.current = current
        self.target = target


class IdempotencyKeyReused(ShopError):
    """The Idempotency-Key was used before with a different request body."""

    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was used with a different body; use a new key for a new checkout")


class RequestInProgress(ShopError):
    """A request with the same Idempotency-Key is still being processed."""

    def __init__(self) -> None:
        super().__init__("a checkout with this Idempotency-Key is in progress; retry shortly for its result")


class CheckoutUnavailable(ShopError):
    """The idempotency records cannot be read or written right now, so checkout cannot promise to run
    at most once; the client retries with the same Idempotency-Key."""

    def __init__(self) -> None:
        super().__init__("checkout is unavailable right now; retry shortly with the same Idempotency-Key")


class WriteConflict(Exception):
    """A conditional write lost a race that a fresh read may win (the cart, a price or a product changed):
    the service retries a bounded number of times. Not a ShopError on purpose."""


class TransactionConflict(WriteConflict):
    """DynamoDB cancelled a transaction because another one touched the same item at the same moment.
    Nothing the caller read is known to be stale, so it is retried more often (under a time budget)
    than a changed cart is."""


class OrderExists(Exception):
    """The order id (derived from the caller and their Idempotency-Key) is taken: this checkout already
    committed, in an earlier invocation whose result the idempotency record no longer holds."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id!r} already exists")
        self.order_id = order_id
