"""Order rules: checkout (at most once per Idempotency-Key), reading, cancelling, fulfilment."""

import hashlib
import random
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Literal, Protocol

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
from shop.cursor import decode_cursor, encode_cursor, rfc3339
from shop.errors import (
    CartEmpty,
    IdempotencyKeyReused,
    InvalidTransition,
    MixedCurrencies,
    OrderNotFound,
    RequestInProgress,
    TooManyConflicts,
    WriteConflict,
)
from shop.models import Product

if TYPE_CHECKING:
    # Imported where used at run time: only checkout pays for Powertools' idempotency at cold start.
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

    from shop.adapters.commerce_table import StoredCart

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# A checkout re-reads the cart and tries again when it lost a race; a few times, then the client decides.
MAX_CHECKOUT_ATTEMPTS = 3
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


def _new_id() -> str:
    return str(uuid.uuid4())


def _back_off(attempt: int) -> None:
    """Full jitter before another attempt, so that transactions that conflicted do not collide again."""
    time.sleep(random.uniform(0, 0.025 * 2**attempt))  # noqa: S311 - timing jitter, not a secret


def place_order(
    request: CheckoutRequest,
    store: OrderStore | None = None,
    clock: Callable[[], datetime] = _now,
    new_id: Callable[[], str] = _new_id,
    back_off: Callable[[int], None] = _back_off,
) -> Order:
    """Turn the caller's cart into an order: names and prices as they are now, stock taken, cart emptied,
    all in one transaction. Lines of deleted products are dropped (as the cart shows them)."""
    store = store or default_store()
    for attempt in range(MAX_CHECKOUT_ATTEMPTS):
        if attempt:
            back_off(attempt)
        cart = store.get_cart(request.user_id)
        products = store.get_products(cart.lines) if cart.lines else {}
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
        if not lines:
            raise CartEmpty()
        currencies = sorted({products[line.product_id].currency for line in lines})
        if len(currencies) > 1:
            raise MixedCurrencies(currencies)
        now = clock()
        order = Order(
            id=new_id(),
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
            store.place(order, cart.revision, now)
        except WriteConflict:
            continue
        return order
    raise TooManyConflicts()


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
) -> Order:
    """place_order at most once per (user, Idempotency-Key): a replay with the same body gets the same
    order back and changes nothing. Failures are not remembered, so a retry after one may succeed."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
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
        order: Order = once(request=request, store=store)
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReused() from error
    except IdempotencyAlreadyInProgressError as error:
        raise RequestInProgress() from error
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


def order_position(order: Order) -> str:
    return f"{rfc3339(order.created_at)}#{order.id}"


def _cursor_key() -> bytes:
    from shop.settings import listing_settings

    return listing_settings().cursor_signing_key.get_secret_value().encode()


def list_orders(
    user_id: str,
    limit: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    store: OrderStore | None = None,
    cursor_key: bytes | None = None,
) -> OrderPage:
    """One page of the user's own orders, newest first. Reads one extra so the last page has no cursor."""
    key = cursor_key or _cursor_key()
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be within 1..{MAX_PAGE_SIZE}")
    scope = _orders_scope(user_id)
    after = decode_cursor(cursor, scope, key) if cursor else None
    orders = (store or default_store()).list_orders(user_id, limit + 1, after)
    page, more = orders[:limit], len(orders) > limit
    return OrderPage(items=page, next_cursor=encode_cursor(scope, order_position(page[-1]), key) if more else None)


def cancel_order(
    order_id: str,
    user_id: str,
    *,
    is_admin: bool = False,
    store: OrderStore | None = None,
    clock: Callable[[], datetime] = _now,
    back_off: Callable[[int], None] = _back_off,
) -> Order:
    """PLACED -> CANCELLED with the stock given back, in one transaction that only a PLACED order passes."""
    store = store or default_store()
    order = get_order(order_id, user_id, is_admin, store)
    if order.status != PLACED:
        raise InvalidTransition(order_id, order.status, CANCELLED)
    for attempt in range(MAX_CHECKOUT_ATTEMPTS):
        if attempt:
            back_off(attempt)
        try:
            return store.cancel(order, clock())
        except WriteConflict:
            continue
    raise TooManyConflicts()


def update_order_status(
    order_id: str,
    target: Literal["SHIPPED", "DELIVERED"],
    store: OrderStore | None = None,
    clock: Callable[[], datetime] = _now,
) -> Order:
    """Fulfilment (admin): PLACED -> SHIPPED -> DELIVERED, one step at a time."""
    return (store or default_store()).transition(order_id, TRANSITIONS[target], target, clock())
