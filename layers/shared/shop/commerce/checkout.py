"""Checkout rules: a cart becomes an order at most once per (user, Idempotency-Key)."""

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from shop.commerce.errors import (
    CartEmpty,
    CheckoutUnavailable,
    IdempotencyKeyReused,
    MixedCurrencies,
    OrderExists,
    OrderNotFound,
    RequestInProgress,
)
from shop.commerce.models import PLACED, CheckoutRequest, Order, OrderLine, total_of
from shop.commerce.ports import OrderStore
from shop.commerce.retries import back_off, retrying
from shop.common.errors import WriteConflict

logger = Logger()

if TYPE_CHECKING:
    # Imported where used at run time: only checkout pays for Powertools' idempotency at cold start.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer


def _now() -> datetime:
    return datetime.now(UTC)


def order_id_for(user_id: str, idempotency_key: str) -> str:
    """The order id of the caller's checkout under this Idempotency-Key: the same on every retry, so a
    checkout that committed but whose idempotency record was lost (the function died, the record expired)
    finds its own order instead of placing a second one. A UUID4 in form (version and variant bits set),
    as OrderId requires; JSON keeps the pair unambiguous whatever characters the user id holds."""
    digest = hashlib.sha256(json.dumps([user_id, idempotency_key]).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _placed_before(store: OrderStore, order_id: str, request: CheckoutRequest) -> Order | None:
    """The order this (user, Idempotency-Key) placed in an earlier invocation, if any."""
    try:
        order = store.get_order(order_id)
    except OrderNotFound:
        return None
    # Another user's order would take a SHA-256 collision; never hand it out all the same: a new key works.
    if order.user_id != request.user_id or order.shipping_address != request.shipping_address:
        # As Powertools would answer while it still held the record: the key was used for another body.
        raise IdempotencyKeyReused()
    return order


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
    this call committed it, never when it answers an earlier one."""
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
        except OrderExists:
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


@cache
def checkout_idempotency() -> "IdempotencyConfig":
    """The key is the caller and their Idempotency-Key (one user's key never answers another's request);
    the body is validated against the first request's, so a reused key with a new body is refused."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    from shop.common.settings import idempotency_settings

    return IdempotencyConfig(
        event_key_jmespath="[user_id, idempotency_key]",
        payload_validation_jmespath="shipping_address",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=idempotency_settings().idempotency_expiry_seconds,
    )


def checkout(
    request: CheckoutRequest,
    store: OrderStore,
    persistence: "BasePersistenceLayer",
    config: "IdempotencyConfig",
    on_placed: Callable[[Order], None] = _ignore,
) -> Order:
    """place_order at most once per (user, Idempotency-Key): a replay with the same body gets the same
    order back and changes nothing. Failures are not remembered, so a retry after one may succeed.
    `on_placed` is place_order's: a replay answered from the idempotency record does not run it."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyInconsistentStateError,
        IdempotencyInvalidStatusError,
        IdempotencyPersistenceConnectionError,
        IdempotencyPersistenceConsistencyError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )
    from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer

    once = idempotent_function(
        place_order,
        data_keyword_argument="request",
        persistence_store=persistence,
        config=config,
        output_serializer=PydanticSerializer,
    )
    try:
        # Only `request` is the idempotency key's data; the other arguments pass through.
        order: Order = once(request=request, store=store, on_placed=on_placed)
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReused() from error
    except IdempotencyAlreadyInProgressError as error:
        raise RequestInProgress() from error
    except (
        IdempotencyPersistenceLayerError,
        IdempotencyInconsistentStateError,
        IdempotencyInvalidStatusError,
        IdempotencyPersistenceConnectionError,
        IdempotencyPersistenceConsistencyError,
    ) as error:
        # The records could not be read or written (DynamoDB down or throttled, a record changing under
        # Powertools): whether this key ran is unknown, so nothing runs now; the same key may be retried.
        raise CheckoutUnavailable() from error
    return order
