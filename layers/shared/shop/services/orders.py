"""Order rules: checkout (at most once per Idempotency-Key), reading, cancelling, fulfilment."""

import hashlib
import json
import random
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Literal, Protocol

from aws_lambda_powertools import Logger

from shop.commerce_models import (
    CANCELLED,
    DELIVERED,
    PLACED,
    SHIPPED,
    CheckoutRequest,
    Order,
    OrderLine,
    OrderPage,
    OrderStatus,
)
from shop.cursor import decode_cursor, encode_cursor, position_of
from shop.errors import (
    CartEmpty,
    CheckoutUnavailable,
    IdempotencyKeyReused,
    InvalidTransition,
    MixedCurrencies,
    OrderExists,
    OrderNotFound,
    RequestInProgress,
    TooManyConflicts,
    TransactionConflict,
    WriteConflict,
)
from shop.models import Product

logger = Logger()

if TYPE_CHECKING:
    # Imported where used at run time: only checkout pays for Powertools' idempotency at cold start.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    from shop.adapters.commerce_table import StoredCart

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# A checkout re-reads the cart and tries again when what it read changed; a few times, then the client decides.
MAX_CHECKOUT_ATTEMPTS = 3
# DynamoDB cancels transactions that touch an item another transaction holds (popular products under load):
# nothing read is stale, so these are retried more often, within a time budget well inside the function's
# 10 s timeout (each pause is at most MAX_PAUSE_SECONDS, so the budget is overrun by one pause at most).
MAX_TRANSACTION_CONFLICTS = 12
CONFLICT_BUDGET_SECONDS = 2.5
MAX_PAUSE_SECONDS = 0.25
# Fulfilment moves forward one step at a time: the status each target may only be reached from.
TRANSITIONS: dict[str, OrderStatus] = {SHIPPED: PLACED, DELIVERED: SHIPPED}


class OrderStore(Protocol):
    def get_products(self, product_ids: Iterable[str]) -> dict[str, Product]: ...
    def get_cart(self, user_id: str) -> "StoredCart": ...
    def place(self, order: Order, cart_revision: int, now: datetime) -> None: ...
    def get_order(self, order_id: str) -> Order: ...
    def list_orders(self, user_id: str, limit: int, after: str | None) -> list[Order]: ...
    def cancel(self, order: Order, now: datetime) -> Order: ...
    def transition(self, order_id: str, source: str, target: str, now: datetime) -> Order: ...


@cache
def default_store() -> OrderStore:
    from shop.adapters.commerce_table import CommerceTable
    from shop.settings import catalog_settings

    return CommerceTable(catalog_settings().table_name)


def _now() -> datetime:
    return datetime.now(UTC)


def order_id_for(user_id: str, idempotency_key: str) -> str:
    """The order id of the caller's checkout under this Idempotency-Key: the same on every retry, so a
    checkout that committed but whose idempotency record was lost (the function died, the record expired)
    finds its own order instead of placing a second one. A UUID4 in form (version and variant bits set),
    as OrderId requires; JSON keeps the pair unambiguous whatever characters the user id holds."""
    digest = hashlib.sha256(json.dumps([user_id, idempotency_key]).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def _back_off(attempt: int) -> None:
    """Full jitter before another attempt, so that transactions that conflicted do not collide again."""
    pause = min(MAX_PAUSE_SECONDS, 0.025 * 2**attempt)
    time.sleep(random.uniform(0, pause))  # noqa: S311 - timing jitter, not a secret


def _retrying[T](attempt: Callable[[], T], back_off: Callable[[int], None], monotonic: Callable[[], float]) -> T:
    """attempt() until it stops conflicting: a changed read a few times, a DynamoDB transaction conflict
    more often but only within CONFLICT_BUDGET_SECONDS; then TooManyConflicts (409)."""
    deadline = monotonic() + CONFLICT_BUDGET_SECONDS
    changed = conflicted = 0
    while True:
        try:
            return attempt()
        except TransactionConflict:
            conflicted += 1
            if conflicted >= MAX_TRANSACTION_CONFLICTS or monotonic() >= deadline:
                raise TooManyConflicts() from None
        except WriteConflict:
            changed += 1
            if changed >= MAX_CHECKOUT_ATTEMPTS:
                raise TooManyConflicts() from None
        back_off(changed + conflicted)


def _placed_before(store: "OrderStore", order_id: str, request: CheckoutRequest) -> Order | None:
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
    store: OrderStore | None = None,
    clock: Callable[[], datetime] = _now,
    back_off: Callable[[int], None] = _back_off,
    monotonic: Callable[[], float] = time.monotonic,
    *,
    on_placed: Callable[[Order], None] = _ignore,
) -> Order:
    """Turn the caller's cart into an order: names and prices as they are now, stock taken, cart emptied,
    all in one transaction. Lines of deleted products are dropped (as the cart shows them). Runs at most
    once per (user, Idempotency-Key) by itself: the order id derives from them, so a re-run after a
    commit returns the order placed then and changes nothing. `on_placed` hears of the order only when
    this call committed it, never when it answers an earlier one."""
    orders = store or default_store()
    order_id = order_id_for(request.user_id, request.idempotency_key)

    def attempt() -> Order:
        cart = orders.get_cart(request.user_id)
        products = orders.get_products(cart.lines) if cart.lines else {}
        lines = [
            OrderLine(
                product_id=product_id,
                name=products[product_id].name,
                unit_price_cents=products[product_id].price_cents,
                quantity=quantity,
                line_total_cents=products[product_id].price_cents * quantity,
            )
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
            total_cents=sum(line.line_total_cents for line in lines),
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

    return _retrying(attempt, back_off, monotonic)


@cache
def checkout_idempotency() -> "IdempotencyConfig":
    """The key is the caller and their Idempotency-Key (one user's key never answers another's request);
    the body is validated against the first request's, so a reused key with a new body is refused."""
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    from shop.settings import idempotency_settings

    return IdempotencyConfig(
        event_key_jmespath="[user_id, idempotency_key]",
        payload_validation_jmespath="shipping_address",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=idempotency_settings().idempotency_expiry_seconds,
    )


def _default_persistence() -> "BasePersistenceLayer":
    from shop.adapters.idempotency import idempotency_store

    return idempotency_store()


def checkout(
    request: CheckoutRequest,
    store: OrderStore | None = None,
    persistence: "BasePersistenceLayer | None" = None,
    config: "IdempotencyConfig | None" = None,
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
        persistence_store=persistence or _default_persistence(),
        config=config or checkout_idempotency(),
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


def _visible(order: Order, user_id: str, is_admin: bool) -> bool:
    return is_admin or order.user_id == user_id


def get_order(order_id: str, user_id: str, is_admin: bool = False, store: OrderStore | None = None) -> Order:
    """The order, for its owner or an admin; anyone else gets OrderNotFound, as for an unknown id."""
    order = (store or default_store()).get_order(order_id)
    if not _visible(order, user_id, is_admin):
        raise OrderNotFound(order_id)
    return order


def _orders_scope(user_id: str) -> str:
    # Binds a cursor to its user; hashed because user ids are unbounded and the scope is not.
    return "orders:" + hashlib.sha256(user_id.encode()).hexdigest()[:32]


def list_orders(
    user_id: str,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    store: OrderStore | None = None,
    cursor_key: bytes | None = None,
) -> OrderPage:
    """One page of the user's own orders, newest first. Reads one extra so the last page has no cursor."""
    from shop.settings import cursor_signing_key

    key = cursor_key or cursor_signing_key()
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be within 1..{MAX_PAGE_SIZE}")
    scope = _orders_scope(user_id)
    after = decode_cursor(cursor, scope, key) if cursor else None
    orders = (store or default_store()).list_orders(user_id, limit + 1, after)
    page, more = orders[:limit], len(orders) > limit
    return OrderPage(items=page, next_cursor=encode_cursor(scope, position_of(page[-1]), key) if more else None)


def cancel_order(
    order_id: str,
    user_id: str,
    *,
    is_admin: bool = False,
    store: OrderStore | None = None,
    clock: Callable[[], datetime] = _now,
    back_off: Callable[[int], None] = _back_off,
    monotonic: Callable[[], float] = time.monotonic,
) -> Order:
    """PLACED -> CANCELLED with the stock given back, in one transaction that only a PLACED order passes."""
    orders = store or default_store()
    order = get_order(order_id, user_id, is_admin, orders)
    if order.status != PLACED:
        raise InvalidTransition(order_id, order.status, CANCELLED)
    return _retrying(lambda: orders.cancel(order, clock()), back_off, monotonic)


def update_order_status(
    order_id: str,
    target: Literal["SHIPPED", "DELIVERED"],
    store: OrderStore | None = None,
    clock: Callable[[], datetime] = _now,
) -> Order:
    """Fulfilment (admin): PLACED -> SHIPPED -> DELIVERED, one step at a time."""
    return (store or default_store()).transition(order_id, TRANSITIONS[target], target, clock())
