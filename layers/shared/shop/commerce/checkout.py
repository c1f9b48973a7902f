"""Checkout rules: a cart becomes an order at most once per (user, Idempotency-Key).

The order is its own idempotency record: its id derives from the caller and their key, and the checkout
transaction puts it only if that id is new. A replay (the same key again, at once or days later, after a
timeout or a lost answer) finds that order and answers it; it never places a second one.
"""

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from shop.commerce.errors import (
    CartEmpty,
    CheckoutUnavailable,
    IdempotencyKeyReused,
    MixedCurrencies,
    OrderExists,
    OrderNotFound,
    StoreUnavailable,
)
from shop.commerce.models import PLACED, CheckoutRequest, Order, OrderLine, total_of
from shop.commerce.ports import OrderStore
from shop.commerce.retries import back_off, retrying
from shop.common.errors import WriteConflict

logger = Logger()


def _now() -> datetime:
    return datetime.now(UTC)


def order_id_for(user_id: str, idempotency_key: str) -> str:
    """The order id of the caller's checkout under this Idempotency-Key: the same on every retry, so a
    checkout that committed but whose answer was lost (the function died, the client gave up) finds its own
    order instead of placing a second one. A UUID4 in form (version and variant bits set),
    as OrderId requires; JSON keeps the pair unambiguous whatever characters the user id holds."""
    digest = hashlib.sha256(json.dumps([user_id, idempotency_key]).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _replayed(order: Order, request: CheckoutRequest) -> Order:
    """The order this (user, Idempotency-Key) placed before, as the answer to `request`: the same body
    (the shipping address, as validated) gets it back; another body is a reused key."""
    # Another user's order would take a SHA-256 collision; never hand it out all the same: a new key works.
    if order.user_id != request.user_id or order.shipping_address != request.shipping_address:
        raise IdempotencyKeyReused()
    return order


def _placed_before(store: OrderStore, order_id: str, request: CheckoutRequest) -> Order | None:
    """The order this (user, Idempotency-Key) placed in an earlier invocation, if any."""
    try:
        order = store.get_order(order_id)
    except OrderNotFound:
        return None
    return _replayed(order, request)


def _ignore(order: Order) -> None:
    pass


def place_order(
    request: CheckoutRequest,
    store: OrderStore,
    clock: Callable[[], datetime] = _now,
    back_off: Callable[[int], None] = back_off,
    monotonic: Callable[[], float] = time.monotonic,
    *,
    on_placed: Callable[[Order], None] = _ignore,
) -> Order:
    """Turn the caller's cart into an order: names and prices as they are now, stock taken, cart emptied,
    all in one transaction. Lines of deleted products are dropped (as the cart shows them). Runs at most
    once per (user, Idempotency-Key) by itself: the order id derives from them, so a re-run after a
    commit returns the order placed then and changes nothing. `on_placed` hears of the order only when
    this call committed it, never when it answers an earlier one.

    Round trips: the cart, its products, the transaction. A replay costs the cart and the order when the
    cart is empty, or the same three when it was refilled (the cancelled transaction returns the order)."""
    orders = store
    order_id = order_id_for(request.user_id, request.idempotency_key)

    def attempt() -> Order:
        cart = orders.get_cart(request.user_id)
        products = orders.get_products(cart.lines) if cart.lines else {}
        lines = [
            OrderLine.of(products[product_id], quantity)
            for product_id, quantity in sorted(cart.lines.items())
            if product_id in products
        ]
        currencies = sorted({products[line.product_id].currency for line in lines})
        if not lines or len(currencies) > 1:
            # The cart may be empty (or changed) because this very checkout committed before: answer that
            # order rather than an error. Read only on this path, so a normal checkout pays nothing.
            if (earlier := _placed_before(orders, order_id, request)) is not None:
                return earlier
            raise CartEmpty() if not lines else MixedCurrencies(currencies)
        now = clock()
        order = Order(
            id=order_id,
            user_id=request.user_id,
            items=lines,
            total_cents=total_of(lines),
            currency=currencies[0],
            status=PLACED,
            shipping_address=request.shipping_address,
            created_at=now,
            updated_at=now,
        )
        try:
            orders.place(order, cart.revision, now)
        except OrderExists as exists:
            if exists.order is not None:
                return _replayed(exists.order, request)
            earlier = _placed_before(orders, order_id, request)
            if earlier is None:  # cannot happen: orders are never deleted
                raise WriteConflict("the order vanished") from None
            return earlier
        try:
            on_placed(order)
        except Exception:  # the order is committed: telling of it must never turn it into an error
            logger.exception("order placed but on_placed failed", extra={"order_id": order.id})
        return order

    return retrying(attempt, back_off, monotonic)


def checkout(
    request: CheckoutRequest,
    store: OrderStore,
    on_placed: Callable[[Order], None] = _ignore,
    *,
    clock: Callable[[], datetime] = _now,
    back_off: Callable[[int], None] = back_off,
    monotonic: Callable[[], float] = time.monotonic,
) -> Order:
    """place_order, failing with CheckoutUnavailable when the table cannot be read or written. A retry with
    the same key is safe: if the transaction did commit, the retry answers its order. Refusals (out of stock,
    an empty cart) leave nothing behind, so a retry after one runs afresh."""
    try:
        return place_order(request, store, clock, back_off, monotonic, on_placed=on_placed)
    except StoreUnavailable as error:
        logger.warning("checkout unavailable: DynamoDB could not be read or written", exc_info=error)
        raise CheckoutUnavailable() from error
