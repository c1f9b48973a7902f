"""In-memory stand-ins for commerce's ports (the table, the idempotency records), for service unit tests."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from shop.catalog.models import Product
from shop.commerce.errors import (
    CartFull,
    InvalidTransition,
    OrderExists,
    OrderNotFound,
    OutOfStock,
    TransactionConflict,
)
from shop.commerce.models import CartContents, Order
from shop.common.errors import WriteConflict
from shop.common.paging import position_of
from tests.doubles.catalog import FakeProductStore


class FakeCommerceStore:
    """Behaves like CommerceTable: carts with revisions, all-or-nothing checkout and cancel."""

    def __init__(self, products: FakeProductStore | None = None) -> None:
        self.catalog = products or FakeProductStore()
        self.carts: dict[str, CartContents] = {}
        self.orders: dict[str, Order] = {}
        # Set to make the next `place` calls find the cart changed (a concurrent PUT /cart/items).
        self.cart_changes_before_place = 0
        # Set to make the next `place` or `cancel` calls fail as DynamoDB's TransactionConflict does.
        self.transaction_conflicts = 0
        self.place_calls = 0
        self.cancel_calls = 0

    def get_product(self, product_id: str) -> Product:
        return self.catalog.get(product_id)

    def get_products(self, product_ids: Iterable[str]) -> dict[str, Product]:
        return {pid: self.catalog.products[pid] for pid in product_ids if pid in self.catalog.products}

    def get_cart(self, user_id: str) -> CartContents:
        return self.carts.get(user_id, CartContents())

    def set_line(self, user_id: str, product_id: str, quantity: int, max_lines: int, now: datetime) -> CartContents:
        cart = self.get_cart(user_id)
        if product_id not in cart.lines and len(cart.lines) >= max_lines:
            raise CartFull(max_lines)
        self.carts[user_id] = CartContents({**cart.lines, product_id: quantity}, cart.revision + 1)
        return self.carts[user_id]

    def remove_line(self, user_id: str, product_id: str, now: datetime) -> CartContents:
        cart = self.get_cart(user_id)
        if product_id in cart.lines:
            lines = {pid: qty for pid, qty in cart.lines.items() if pid != product_id}
            self.carts[user_id] = replace(cart, lines=lines, revision=cart.revision + 1)
        return self.get_cart(user_id)

    def place(self, order: Order, cart_revision: int, now: datetime) -> None:
        """The same checks, in the same precedence, as CommerceTable.place's transaction."""
        self.place_calls += 1
        if self.cart_changes_before_place:
            self.cart_changes_before_place -= 1
            raise WriteConflict("cart changed")
        if order.id in self.orders:
            raise OrderExists(order.id)
        if self.transaction_conflicts:
            self.transaction_conflicts -= 1
            raise TransactionConflict("transaction conflict")
        if self.get_cart(order.user_id).revision != cart_revision:
            raise WriteConflict("cart changed since it was read")
        for line in order.items:
            product = self.catalog.products.get(line.product_id)
            if product is None or (product.price_cents, product.currency) != (line.unit_price_cents, order.currency):
                raise WriteConflict(f"product {line.product_id} deleted or repriced")
        short = [
            line.product_id for line in order.items if self.catalog.products[line.product_id].stock < line.quantity
        ]
        if short:
            raise OutOfStock(short)
        for line in order.items:
            product = self.catalog.products[line.product_id]
            self.catalog.products[line.product_id] = product.model_copy(
                update={"stock": product.stock - line.quantity, "version": product.version + 1, "updated_at": now}
            )
        self.orders[order.id] = order
        # Emptied, never deleted: the revision goes on counting (see CommerceTable.place).
        self.carts[order.user_id] = CartContents({}, cart_revision + 1)

    def get_order(self, order_id: str) -> Order:
        if order_id not in self.orders:
            raise OrderNotFound(order_id)
        return self.orders[order_id]

    def list_orders(self, user_id: str, limit: int, after: str | None) -> list[Order]:
        mine = sorted((o for o in self.orders.values() if o.user_id == user_id), key=position_of, reverse=True)
        if after is not None:
            mine = [o for o in mine if position_of(o) < after]
        return mine[:limit]

    def cancel(self, order: Order, now: datetime) -> Order:
        self.cancel_calls += 1
        current = self.get_order(order.id)
        if current.status != "PLACED":
            raise InvalidTransition(order.id, current.status, "CANCELLED")
        if self.transaction_conflicts:
            self.transaction_conflicts -= 1
            raise TransactionConflict("transaction conflict")
        for line in order.items:
            product = self.catalog.products.get(line.product_id)
            if product is not None:
                self.catalog.products[line.product_id] = product.model_copy(
                    update={"stock": product.stock + line.quantity, "version": product.version + 1, "updated_at": now}
                )
        self.orders[order.id] = current.model_copy(update={"status": "CANCELLED", "updated_at": now})
        return self.orders[order.id]

    def transition(self, order_id: str, source: str, target: str, now: datetime) -> Order:
        current = self.get_order(order_id)
        if current.status != source:
            raise InvalidTransition(order_id, current.status, target)
        self.orders[order_id] = current.model_copy(update={"status": target, "updated_at": now})
        return self.orders[order_id]


class InMemoryIdempotencyStore(BasePersistenceLayer):
    """Powertools' persistence contract in a dict, as its DynamoDB layer keeps it in a table."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        if idempotency_key not in self.records:
            raise IdempotencyItemNotFoundError
        return self.records[idempotency_key]

    def _put_record(self, data_record: DataRecord) -> None:
        existing = self.records.get(data_record.idempotency_key)
        if existing is not None and not existing.is_expired:
            raise IdempotencyItemAlreadyExistsError
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)
