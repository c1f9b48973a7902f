"""Cart rules: one cart per user, priced at current catalog prices whenever it is shown."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Protocol

from shop.commerce_models import MAX_CART_LINES, Cart, CartLine
from shop.errors import TooManyConflicts, WriteConflict
from shop.models import Product

if TYPE_CHECKING:
    from shop.adapters.commerce_table import StoredCart


class CartStore(Protocol):
    def get_product(self, product_id: str) -> Product: ...
    def get_products(self, product_ids: Iterable[str]) -> dict[str, Product]: ...
    def get_cart(self, user_id: str) -> "StoredCart": ...
    def set_line(self, user_id: str, product_id: str, quantity: int, max_lines: int, now: datetime) -> "StoredCart": ...
    def remove_line(self, user_id: str, product_id: str, now: datetime) -> "StoredCart": ...


@cache
def default_store() -> CartStore:
    from shop.adapters.commerce_table import CommerceTable
    from shop.settings import catalog_settings

    return CommerceTable(catalog_settings().table_name)


def _now() -> datetime:
    return datetime.now(UTC)


def priced(lines: dict[str, int], products: dict[str, Product]) -> list[CartLine]:
    """The lines whose product still exists, at its current price; by name, then id, for a stable order."""
    priced_lines = [
        CartLine(
            product_id=product_id,
            name=products[product_id].name,
            unit_price_cents=products[product_id].price_cents,
            quantity=quantity,
            line_total_cents=products[product_id].price_cents * quantity,
        )
        for product_id, quantity in lines.items()
        if product_id in products
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


def _cart(cart: "StoredCart", store: CartStore) -> Cart:
    products = store.get_products(cart.lines) if cart.lines else {}
    lines = priced(cart.lines, products)
    return Cart(items=lines, total_cents=sum(line.line_total_cents for line in lines))


def view_cart(user_id: str, store: CartStore | None = None) -> Cart:
    store = store or default_store()
    with _conflicts_answered():
        return _cart(store.get_cart(user_id), store)


def set_cart_line(
    user_id: str,
    product_id: str,
    quantity: int,
    store: CartStore | None = None,
    clock: Callable[[], datetime] = _now,
) -> Cart:
    store = store or default_store()
    store.get_product(product_id)  # ProductNotFound (404) before anything is written
    with _conflicts_answered():
        return _cart(store.set_line(user_id, product_id, quantity, MAX_CART_LINES, clock()), store)


def remove_cart_line(
    user_id: str, product_id: str, store: CartStore | None = None, clock: Callable[[], datetime] = _now
) -> Cart:
    store = store or default_store()
    with _conflicts_answered():
        return _cart(store.remove_line(user_id, product_id, clock()), store)
