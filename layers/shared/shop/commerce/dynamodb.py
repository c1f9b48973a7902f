"""Carts and orders in the shop table (see docs/data-design.md, commerce access patterns).

Item layout, beside the catalog's products (pk = "PRODUCT#<id>", sk = "PRODUCT"):
    cart:   pk = "USER#<user_id>", sk = "CART"; `lines` maps product id -> quantity; `revision` counts writes
            (checkout empties `lines` and bumps `revision`, never deletes the cart: a deleted cart would be
            recreated at revision 1, and a checkout that read revision 1 earlier would pass its condition)
    order:  pk = "ORDER#<id>",     sk = "ORDER"
            gsi1pk = "ORDERS#<user_id>", gsi1sk = "<created_at>#<id>"   -> one user's orders, newest first
No cart or order item has sk "PRODUCT" or a catalog index key, so neither reaches the catalog's listings
or its search indexer. Every call is a key or index operation; writes that depend on what was read carry
a condition on it, and checkout and cancel are single transactions.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import BotoCoreError, ClientError

from shop.catalog.dynamodb import ProductsTable, batch_get_products, product_from_item, product_key
from shop.catalog.models import Product
from shop.commerce.errors import (
    CartFull,
    InvalidTransition,
    OrderExists,
    OrderNotFound,
    OutOfStock,
    StoreUnavailable,
    TransactionConflict,
)
from shop.commerce.models import CANCELLED, PLACED, CartContents, Order
from shop.common.clients import dynamodb_client
from shop.common.errors import WriteConflict
from shop.common.paging import position_of, rfc3339

CART = "CART"
ORDER = "ORDER"
BY_USER_INDEX = "gsi1"  # overloaded: the catalog's listing index, with partitions of its own for orders

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def cart_key(user_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"USER#{user_id}"}, "sk": {"S": CART}}


def order_key(order_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": ORDER}}


def orders_partition(user_id: str) -> str:
    return f"ORDERS#{user_id}"


def _plain(value: Any) -> Any:
    """DynamoDB's Decimals back to ints (every number stored here is an integer), recursively."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _deserialize(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


def _serialize(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


def _cart_from_item(item: dict[str, Any] | None) -> CartContents:
    if not item:
        return CartContents()
    plain = _deserialize(item)
    return CartContents(lines=dict(plain.get("lines", {})), revision=int(plain.get("revision", 0)))


def _order_to_item(order: Order) -> dict[str, Any]:
    attributes = order.model_dump(mode="json", exclude_none=True)
    attributes.update(
        pk=f"ORDER#{order.id}",
        sk=ORDER,
        entity=ORDER,
        created_at=rfc3339(order.created_at),
        updated_at=rfc3339(order.updated_at),
        gsi1pk=orders_partition(order.user_id),
        gsi1sk=position_of(order),
    )
    return _serialize(attributes)


def _order_from_item(item: dict[str, Any]) -> Order:
    return Order.model_validate(_deserialize(item))


# Cancellation reasons that say nothing about the items' contents: another transaction held an item, or
# the table was throttled. The same transaction may pass as it is a moment later.
TRANSIENT_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


def _cancellation(error: Any) -> list[dict[str, Any]]:
    return list(error.response.get("CancellationReasons", []))


def _reasons(error: Any) -> list[str]:
    return [reason.get("Code") or "None" for reason in _cancellation(error)]


@contextmanager
def _store_errors() -> Iterator[None]:
    """What DynamoDB answers that none of the rules here handle (after botocore's own retries) as
    StoreUnavailable: checkout answers it as unavailable, whether or not its write took effect."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise StoreUnavailable(str(error)) from error


def _why_checkout_cancelled(order: Order, error: Any) -> Exception:
    """What a cancelled checkout transaction (each line's product, then the order, then the cart) means,
    from DynamoDB's reasons and the items it returned with them."""
    reasons = _cancellation(error)
    codes = _reasons(error)
    lines = len(order.items)
    # Without one reason per item nothing can be told apart: read everything again.
    if len(codes) != lines + 2:
        return WriteConflict(f"checkout cancelled: {codes}")
    if codes[lines] == "ConditionalCheckFailed":
        stored = reasons[lines].get("Item")
        return OrderExists(order.id, _order_from_item(stored) if stored else None)
    if TRANSIENT_REASONS.intersection(codes):
        return TransactionConflict(f"checkout cancelled: {codes}")
    if codes[-1] == "ConditionalCheckFailed":
        return WriteConflict("checkout cancelled: the cart changed since it was read")
    short: list[str] = []
    for line, reason in zip(order.items, reasons[:lines], strict=True):
        if reason.get("Code") != "ConditionalCheckFailed":
            continue
        current = _deserialize(reason["Item"]) if reason.get("Item") else None
        if (
            current is None
            or current.get("price_cents") != line.unit_price_cents
            or current.get("currency") != order.currency
        ):
            # Deleted (its line drops out) or repriced since it was read: a fresh read decides.
            return WriteConflict(f"checkout cancelled: product {line.product_id} changed")
        short.append(line.product_id)
    return OutOfStock(short) if short else WriteConflict(f"checkout cancelled: {codes}")


class CommerceTable:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    # Products, as the cart and checkout read them.

    def get_product(self, product_id: str) -> Product:
        # Strongly consistent: a product created a moment ago must not answer 404 to the cart.
        return ProductsTable(self.table_name).get(product_id, consistent=True)

    def get_products(self, product_ids: Iterable[str]) -> dict[str, Product]:
        """The products that exist among product_ids, strongly consistent; one BatchGetItem per 100 ids."""
        with _store_errors():
            items = batch_get_products(self.table_name, product_ids)
        return {product.id: product for product in map(product_from_item, items)}

    # Carts.

    def get_cart(self, user_id: str) -> CartContents:
        with _store_errors():
            response = dynamodb_client().get_item(TableName=self.table_name, Key=cart_key(user_id), ConsistentRead=True)
        return _cart_from_item(response.get("Item"))

    def set_line(self, user_id: str, product_id: str, quantity: int, max_lines: int, now: datetime) -> CartContents:
        """Set one line's quantity in one conditional write; a new line only while the cart has room."""
        client = dynamodb_client()
        for _ in range(3):  # update, else create, else (created meanwhile) update again
            try:
                response = client.update_item(
                    TableName=self.table_name,
                    Key=cart_key(user_id),
                    UpdateExpression="SET #lines.#pid = :qty, #revision = #revision + :one, #updated_at = :now",
                    ConditionExpression="attribute_exists(#lines) AND "
                    "(attribute_exists(#lines.#pid) OR size(#lines) < :max)",
                    ExpressionAttributeNames={
                        "#lines": "lines",
                        "#pid": product_id,
                        "#revision": "revision",
                        "#updated_at": "updated_at",
                    },
                    ExpressionAttributeValues=_serialize(
                        {":qty": quantity, ":one": 1, ":now": rfc3339(now), ":max": max_lines}
                    ),
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
                return _cart_from_item(response["Attributes"])
            except client.exceptions.ConditionalCheckFailedException as error:
                if error.response.get("Item"):
                    raise CartFull(max_lines) from error
            try:
                client.put_item(
                    TableName=self.table_name,
                    Item={
                        **cart_key(user_id),
                        **_serialize(
                            {
                                "entity": CART,
                                "lines": {product_id: quantity},
                                "revision": 1,
                                "updated_at": rfc3339(now),
                            }
                        ),
                    },
                    ConditionExpression="attribute_not_exists(pk)",
                )
                return CartContents(lines={product_id: quantity}, revision=1)
            except client.exceptions.ConditionalCheckFailedException:
                continue  # another request created the cart meanwhile: update it
        raise WriteConflict("the cart kept changing")

    def remove_line(self, user_id: str, product_id: str, now: datetime) -> CartContents:
        """Remove one line; removing a line that is not there changes nothing."""
        client = dynamodb_client()
        try:
            response = client.update_item(
                TableName=self.table_name,
                Key=cart_key(user_id),
                UpdateExpression="REMOVE #lines.#pid SET #revision = #revision + :one, #updated_at = :now",
                ConditionExpression="attribute_exists(#lines.#pid)",
                ExpressionAttributeNames={
                    "#lines": "lines",
                    "#pid": product_id,
                    "#revision": "revision",
                    "#updated_at": "updated_at",
                },
                ExpressionAttributeValues=_serialize({":one": 1, ":now": rfc3339(now)}),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
            return _cart_from_item(response["Attributes"])
        except client.exceptions.ConditionalCheckFailedException as error:
            return _cart_from_item(error.response.get("Item"))

    # Orders.

    def place(self, order: Order, cart_revision: int, now: datetime) -> None:
        """One transaction: every line's stock decremented (never below zero, version + 1 so that the search
        index follows) while its price and currency are still those of the order, the order written unless
        its id is taken, the cart emptied (revision + 1) unless it changed since it was read.

        Raises OrderExists when the order was placed before (same id; with that order, from the
        transaction's own answer), OutOfStock when only stock is short, TransactionConflict when DynamoDB
        cancelled it for a concurrent transaction, WriteConflict when something read before has changed
        (cart, price, a product deleted), and StoreUnavailable when DynamoDB answered nothing usable."""
        stamp = rfc3339(now)
        products = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": product_key(line.product_id),
                    "UpdateExpression": "SET #stock = #stock - :qty, #version = #version + :one, #updated_at = :now",
                    # The price is checked at commit so the order is never charged at a price that has
                    # already changed; the current item comes back on failure to tell why it failed.
                    "ConditionExpression": "attribute_exists(pk) AND #stock >= :qty "
                    "AND #price = :price AND #currency = :currency",
                    "ExpressionAttributeNames": {
                        "#stock": "stock",
                        "#version": "version",
                        "#updated_at": "updated_at",
                        "#price": "price_cents",
                        "#currency": "currency",
                    },
                    "ExpressionAttributeValues": _serialize(
                        {
                            ":qty": line.quantity,
                            ":one": 1,
                            ":now": stamp,
                            ":price": line.unit_price_cents,
                            ":currency": order.currency,
                        }
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            }
            for line in order.items
        ]
        order_put = {
            "Put": {
                "TableName": self.table_name,
                "Item": _order_to_item(order),
                "ConditionExpression": "attribute_not_exists(pk)",
                # The order placed before under this id comes back in the cancellation: a replay is answered
                # from the transaction's own answer, without another read.
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        cart_empty = {
            "Update": {
                "TableName": self.table_name,
                "Key": cart_key(order.user_id),
                "UpdateExpression": "SET #lines = :empty, #revision = #revision + :one, #updated_at = :now",
                "ConditionExpression": "#revision = :revision",
                "ExpressionAttributeNames": {"#lines": "lines", "#revision": "revision", "#updated_at": "updated_at"},
                "ExpressionAttributeValues": _serialize(
                    {":empty": {}, ":one": 1, ":now": stamp, ":revision": cart_revision}
                ),
            }
        }
        client = dynamodb_client()
        with _store_errors():
            try:
                client.transact_write_items(TransactItems=[*products, order_put, cart_empty])
            except client.exceptions.TransactionCanceledException as cancelled:
                # Never a ClientError: what it raises passes _store_errors as it is.
                raise _why_checkout_cancelled(order, cancelled) from cancelled

    def get_order(self, order_id: str) -> Order:
        with _store_errors():
            response = dynamodb_client().get_item(
                TableName=self.table_name, Key=order_key(order_id), ConsistentRead=True
            )
        if "Item" not in response:
            raise OrderNotFound(order_id)
        return _order_from_item(response["Item"])

    def list_orders(self, user_id: str, limit: int, after: str | None) -> list[Order]:
        """Up to `limit` of the user's orders, newest first, starting after the position `after`."""
        query: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": BY_USER_INDEX,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": "gsi1pk"},
            "ExpressionAttributeValues": {":pk": {"S": orders_partition(user_id)}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after is not None:
            order_id = after.rsplit("#", 1)[1]
            query["ExclusiveStartKey"] = {
                **order_key(order_id),
                "gsi1pk": {"S": orders_partition(user_id)},
                "gsi1sk": {"S": after},
            }
        items = dynamodb_client().query(**query).get("Items", [])
        return [_order_from_item(item) for item in items]

    def cancel(self, order: Order, now: datetime) -> Order:
        """One transaction: PLACED -> CANCELLED, and each line's stock given back (version + 1 each). Fails
        with InvalidTransition when the order is no longer PLACED, so two concurrent cancels restore the
        stock once. A product deleted since is left deleted (retried without it; each retry drops one)."""
        stamp = rfc3339(now)
        quantities = {line.product_id: line.quantity for line in order.items}
        restock = list(quantities)
        order_update = {
            "Update": {
                "TableName": self.table_name,
                "Key": order_key(order.id),
                "UpdateExpression": "SET #status = :cancelled, #updated_at = :now",
                "ConditionExpression": "#status = :placed",
                "ExpressionAttributeNames": {"#status": "status", "#updated_at": "updated_at"},
                "ExpressionAttributeValues": _serialize({":cancelled": CANCELLED, ":placed": PLACED, ":now": stamp}),
                # A refused cancel names the order's status from the transaction's own answer, not a second read.
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
        client = dynamodb_client()
        for _ in range(len(restock) + 1):
            products = [
                {
                    "Update": {
                        "TableName": self.table_name,
                        "Key": product_key(product_id),
                        "UpdateExpression": "SET #stock = #stock + :qty, #version = #version + :one, "
                        "#updated_at = :now",
                        # A deleted product is not brought back as a fragment holding only stock.
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeNames": {
                            "#stock": "stock",
                            "#version": "version",
                            "#updated_at": "updated_at",
                        },
                        "ExpressionAttributeValues": _serialize(
                            {":qty": quantities[product_id], ":one": 1, ":now": stamp}
                        ),
                    }
                }
                for product_id in restock
            ]
            try:
                client.transact_write_items(TransactItems=[order_update, *products])
                return order.model_copy(update={"status": CANCELLED, "updated_at": now})
            except client.exceptions.TransactionCanceledException as error:
                reasons = _reasons(error)
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    current = _cancellation(error)[0].get("Item")
                    if current is None:
                        raise OrderNotFound(order.id) from error
                    raise InvalidTransition(order.id, _order_from_item(current).status, CANCELLED) from error
                if TRANSIENT_REASONS.intersection(reasons):
                    raise TransactionConflict(f"cancel cancelled: {reasons}") from error
                gone = {
                    pid for pid, code in zip(restock, reasons[1:], strict=False) if code == "ConditionalCheckFailed"
                }
                if not gone:
                    raise WriteConflict(f"cancel cancelled: {reasons}") from error
                restock = [pid for pid in restock if pid not in gone]
        raise WriteConflict("products kept disappearing during cancel")

    def transition(self, order_id: str, source: str, target: str, now: datetime) -> Order:
        """source -> target in one conditional write."""
        client = dynamodb_client()
        try:
            response = client.update_item(
                TableName=self.table_name,
                Key=order_key(order_id),
                UpdateExpression="SET #status = :target, #updated_at = :now",
                ConditionExpression="attribute_exists(pk) AND #status = :source",
                ExpressionAttributeNames={"#status": "status", "#updated_at": "updated_at"},
                ExpressionAttributeValues=_serialize({":target": target, ":source": source, ":now": rfc3339(now)}),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except client.exceptions.ConditionalCheckFailedException as error:
            current = error.response.get("Item")
            if not current:
                raise OrderNotFound(order_id) from error
            raise InvalidTransition(order_id, _order_from_item(current).status, target) from error
        return _order_from_item(response["Attributes"])
