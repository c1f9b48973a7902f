"""Errors of carts, checkout and orders; shop.common.problems maps each to its problem."""

from typing import TYPE_CHECKING

from shop.common.errors import ShopError, WriteConflict

if TYPE_CHECKING:
    from shop.commerce.models import Order


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


class CheckoutUnavailable(ShopError):
    """The shop's table could not be read or written, so whether this checkout committed is unknown; the
    client retries with the same Idempotency-Key, which answers the order if it did (its id is the key's)."""

    def __init__(self) -> None:
        super().__init__("checkout is unavailable right now; retry shortly with the same Idempotency-Key")


class TransactionConflict(WriteConflict):
    """DynamoDB cancelled a transaction because another one touched the same item at the same moment.
    Nothing the caller read is known to be stale, so it is retried more often (under a time budget)
    than a changed cart is."""


class OrderExists(Exception):
    """The order id (derived from the caller and their Idempotency-Key) is taken: this checkout already
    committed, in an earlier invocation. `order` is the stored order when the write's answer carried it."""

    def __init__(self, order_id: str, order: "Order | None" = None) -> None:
        super().__init__(f"order {order_id!r} already exists")
        self.order_id = order_id
        self.order = order


class StoreUnavailable(Exception):
    """DynamoDB could not be read or written (unreachable, throttled past the client's retries, the table
    missing): whether a write that was sent took effect is unknown."""
