"""Order rules: reading (owner or admin), listing one's own, cancelling, fulfilment (checkout: checkout.py)."""

import hashlib
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

from shop.commerce.errors import InvalidTransition, OrderNotFound
from shop.commerce.models import CANCELLED, DELIVERED, PLACED, SHIPPED, Order, OrderPage, OrderStatus
from shop.commerce.ports import OrderStore
from shop.commerce.retries import back_off, retrying
from shop.common.paging import DEFAULT_PAGE_SIZE, LISTING, Pager, position_of

# Fulfilment moves forward one step at a time: the status each target may only be reached from.
TRANSITIONS: dict[str, OrderStatus] = {SHIPPED: PLACED, DELIVERED: SHIPPED}


def _now() -> datetime:
    return datetime.now(UTC)


def _visible(order: Order, user_id: str, is_admin: bool) -> bool:
    return is_admin or order.user_id == user_id


def get_order(order_id: str, user_id: str, store: OrderStore, is_admin: bool = False) -> Order:
    """The order, for its owner or an admin; anyone else gets OrderNotFound, as for an unknown id."""
    order = store.get_order(order_id)
    if not _visible(order, user_id, is_admin):
        raise OrderNotFound(order_id)
    return order


def _orders_scope(user_id: str) -> str:
    # Binds a cursor to its user; hashed because user ids are unbounded and the scope is not.
    return "orders:" + hashlib.sha256(user_id.encode()).hexdigest()[:32]


def list_orders(
    user_id: str,
    store: OrderStore,
    cursor_key: bytes,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
) -> OrderPage:
    """One page of the user's own orders, newest first; a cursor pages only its own user's orders."""
    pager = Pager(_orders_scope(user_id), limit, cursor_key, LISTING)
    items, next_cursor = pager.page(store.list_orders(user_id, pager.size, pager.start(cursor)), position_of)
    return OrderPage(items=items, next_cursor=next_cursor)


def cancel_order(
    order_id: str,
    user_id: str,
    store: OrderStore,
    *,
    is_admin: bool = False,
    clock: Callable[[], datetime] = _now,
    back_off: Callable[[int], None] = back_off,
    monotonic: Callable[[], float] = time.monotonic,
) -> Order:
    """PLACED -> CANCELLED with the stock given back, in one transaction that only a PLACED order passes."""
    order = get_order(order_id, user_id, store, is_admin)
    if order.status != PLACED:
        raise InvalidTransition(order_id, order.status, CANCELLED)
    return retrying(lambda: store.cancel(order, clock()), back_off, monotonic)


def update_order_status(
    order_id: str,
    target: Literal["SHIPPED", "DELIVERED"],
    store: OrderStore,
    clock: Callable[[], datetime] = _now,
) -> Order:
    """Fulfilment (admin): PLACED -> SHIPPED -> DELIVERED, one step at a time."""
    return store.transition(order_id, TRANSITIONS[target], target, clock())
