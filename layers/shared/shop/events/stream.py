"""Which domain event a record of the table's stream is, if any.

The stream is the outbox: a record exists exactly when its write committed (a cancelled transaction writes
nothing, so it has no record and no event). One record is at most one event:

    order item inserted with status PLACED        -> OrderPlaced
    order item modified, status -> CANCELLED      -> OrderCancelled
    order item modified, status -> SHIPPED/DELIVERED -> OrderStatusChanged
    product item modified, stock from above the threshold to 1..threshold -> ProductStockLow
    product item modified, stock from above zero to zero                  -> ProductOutOfStock

Anything else (carts, an order's other changes, a restock, deletes) is no event. Images are deserialised item
attributes, as Powertools' DynamoDBRecord gives them (numbers as Decimal).
"""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from shop.common.stream_batch import StreamEvent
from shop.events.errors import NotADomainRecord
from shop.events.models import (
    ORDER_VERSION,
    DomainEvent,
    EventLine,
    OrderCancelled,
    OrderPlaced,
    OrderStatusChanged,
    ProductOutOfStock,
    ProductStockLow,
)

ORDER_SK = "ORDER"
PRODUCT_SK = "PRODUCT"
# Names event ids: the same stream record always gives the same id, and no two records share one.
EVENT_ID_NAMESPACE = uuid.UUID("5b0c7a3e-5f7d-4f43-9a55-0d7f1f4b8e21")


def event_id_of(stream_event_id: str) -> str:
    """The domain event's id for a stream record's `eventID` (unique per record, the same on every redelivery)."""
    return str(uuid.uuid5(EVENT_ID_NAMESPACE, stream_event_id))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def event_of(
    event_name: StreamEvent,
    keys: dict[str, Any],
    new_image: dict[str, Any] | None,
    old_image: dict[str, Any] | None,
    *,
    stream_event_id: str,
    committed_at: datetime,
    stock_low_threshold: int,
) -> DomainEvent | None:
    """The event that this record is, or None; NotADomainRecord when its images are not what its key says."""
    sk = keys.get("sk")
    if event_name == "REMOVE" or sk not in (ORDER_SK, PRODUCT_SK):
        return None
    if not new_image:
        raise NotADomainRecord(f"{event_name} record without a new image (the stream must carry both images)")
    new, old = _plain(new_image), _plain(old_image or {})
    common = {"event_id": event_id_of(stream_event_id)}
    try:
        if sk == ORDER_SK:
            return _order_event(event_name, new, old, common, committed_at)
        return _stock_event(
            event_name, new, old=old, common=common, committed_at=committed_at, threshold=stock_low_threshold
        )
    except (KeyError, TypeError, ValueError, ValidationError) as error:
        raise NotADomainRecord(f"{event_name} record of a {sk.lower()} is malformed: {error}") from error


def _order_event(
    event_name: StreamEvent, new: dict[str, Any], old: dict[str, Any], common: dict[str, Any], committed_at: datetime
) -> DomainEvent | None:
    status = new["status"]
    if event_name == "MODIFY" and old.get("status") == status:
        return None
    if event_name == "INSERT" and status != "PLACED":
        return None
    order = {
        **common,
        # The order's own clock: the write's commit, as the order records it.
        "occurred_at": new.get("updated_at") or committed_at,
        "order_id": new["id"],
        "user_id": new["user_id"],
        "status": status,
        "order_version": ORDER_VERSION[status],
        "items": [EventLine.model_validate(line) for line in new["items"]],
        "total_cents": new["total_cents"],
        "currency": new["currency"],
        "created_at": new["created_at"],
        "updated_at": new["updated_at"],
    }
    if status == "PLACED":
        return OrderPlaced.model_validate(order)
    if status == "CANCELLED":
        return OrderCancelled.model_validate(order)
    return OrderStatusChanged.model_validate({**order, "previous_status": old["status"]})


def _stock_event(
    event_name: StreamEvent,
    new: dict[str, Any],
    *,
    old: dict[str, Any],
    common: dict[str, Any],
    committed_at: datetime,
    threshold: int,
) -> DomainEvent | None:
    if event_name != "MODIFY":
        return None
    stock, previous = new["stock"], old.get("stock")
    if not isinstance(stock, int) or not isinstance(previous, int) or stock >= previous:
        return None
    product = {
        **common,
        "occurred_at": new.get("updated_at") or committed_at,
        "product_id": new["id"],
        "name": new["name"],
        "stock": stock,
        "previous_stock": previous,
        "product_version": new["version"],
    }
    if stock == 0:
        return ProductOutOfStock.model_validate(product)
    if stock <= threshold < previous:
        return ProductStockLow.model_validate({**product, "threshold": threshold})
    return None
