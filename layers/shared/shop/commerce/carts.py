"""Cart rules: one cart per user, priced at current catalog prices whenever it is shown."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from shop.catalog.models import Product
from shop.commerce.errors import TooManyConflicts
from shop.commerce.models import MAX_CART_LINES, Cart, CartContents, CartLine, total_of
from shop.commerce.ports import CartStore
from shop.common.errors import WriteConflict


def _now() -> datetime:
    return datetime.now(UTC)


def priced(lines: dict[str, int], products: dict[str, Product]) -> list[CartLine]:
    """The lines whose product still exists, at its current price; by name, then id, for a stable order."""
    priced_lines = [
        CartLine.of(products[product_id], quantity) for product_id, quantity in lines.items() if product_id in products
    ]
    return sorted(priced_lines, key=lambda line: (line.name, line.product_id))


@contextmanager
def _conflicts_answered() -> Iterator[None]:
    """The store already retried (a cart that kept changing, product reads DynamoDB kept unprocessed):
    the client gets 409 too-many-conflicts to retry, not a 500."""
    try:
        yield
    except WriteConflict as error:
        raise TooManyConflicts() from error


def _cart(cart: CartContents, store: CartStore) -> Cart:
    products = store.get_products(cart.lines) if cart.lines else {}
    lines = priced(cart.lines, products)
    return Cart(items=lines, total_cents=total_of(lines))


def view_cart(user_id: str, store: CartStore) -> Cart:
    with _conflicts_answered():
        return _cart(store.get_cart(user_id), store)


def set_cart_line(
    user_id: str,
    product_id: str,
    quantity: int,
    store: CartStore,
    clock: Callable[[], datetime] = _now,
) -> Cart:
    store.get_product(product_id)  # ProductNotFound (404) before anything is written
    with _conflicts_answered():
        return _cart(store.set_line(user_id, product_id, quantity, MAX_CART_LINES, clock()), store)


def remove_cart_line(user_id: str, product_id: str, store: CartStore, clock: Callable[[], datetime] = _now) -> Cart:
    with _conflicts_answered():
        return _cart(store.remove_line(user_id, product_id, clock()), store)
