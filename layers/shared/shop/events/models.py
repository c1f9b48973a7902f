"""The shop's domain events: one model per event, the `detail` of an EventBridge event.

Every detail carries `version` (of its schema: a consumer refuses a version it does not know), `event_id`
(derived from the stream record, so the same committed write is the same event however often it is delivered:
consumers deduplicate on it) and `occurred_at` (when the write committed). Order events carry what their
consumers need (the owner, lines, totals, status) and never the shipping address.
"""

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION: Literal[1] = 1
COMMERCE_SOURCE = "shop.commerce"
CATALOG_SOURCE = "shop.catalog"

OrderStatus = Literal["PLACED", "CANCELLED", "SHIPPED", "DELIVERED"]

# How far along its life an order is. A status is only ever followed by one of a higher rank (PLACED ->
# SHIPPED -> DELIVERED, PLACED -> CANCELLED), so the rank orders an order's events, whatever order they
# arrive in: a consumer never lets a lower rank replace a higher one.
ORDER_VERSION: dict[str, int] = {"PLACED": 1, "SHIPPED": 2, "CANCELLED": 2, "DELIVERED": 3}


class EventDetail(BaseModel):
    """What every event's detail has."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: ClassVar[str]
    detail_type: ClassVar[str]

    version: Literal[1] = Field(default=SCHEMA_VERSION, description="Schema version of this detail")
    event_id: str = Field(min_length=1, description="Stable across redeliveries: derived from the stream record")
    occurred_at: datetime = Field(description="When the write that this event reports committed")


class EventLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: str
    name: str
    unit_price_cents: int
    quantity: int
    line_total_cents: int


class OrderDetail(EventDetail):
    source: ClassVar[str] = COMMERCE_SOURCE

    order_id: str
    user_id: str = Field(description="The order's owner (the user pool's `sub`)")
    status: OrderStatus
    order_version: int = Field(ge=1, description="Rank of the status in the order's life: later events rank higher")
    items: list[EventLine]
    total_cents: int
    currency: str
    created_at: datetime
    updated_at: datetime


class OrderPlaced(OrderDetail):
    """A checkout committed: the order exists, its stock is taken."""

    detail_type: ClassVar[str] = "OrderPlaced"
    status: Literal["PLACED"]


class OrderCancelled(OrderDetail):
    """A placed order was cancelled and its stock given back."""

    detail_type: ClassVar[str] = "OrderCancelled"
    status: Literal["CANCELLED"]


class OrderStatusChanged(OrderDetail):
    """An order moved on: shipped, or delivered."""

    detail_type: ClassVar[str] = "OrderStatusChanged"
    status: Literal["SHIPPED", "DELIVERED"]
    previous_status: OrderStatus


class ProductDetail(EventDetail):
    source: ClassVar[str] = CATALOG_SOURCE

    product_id: str
    name: str
    stock: int = Field(ge=0)
    previous_stock: int = Field(ge=0)
    product_version: int = Field(ge=1)


class ProductStockLow(ProductDetail):
    """A product's stock fell to the threshold or below it (and not to zero)."""

    detail_type: ClassVar[str] = "ProductStockLow"
    threshold: int = Field(ge=1)


class ProductOutOfStock(ProductDetail):
    """A product's stock fell to zero."""

    detail_type: ClassVar[str] = "ProductOutOfStock"


DomainEvent = OrderPlaced | OrderCancelled | OrderStatusChanged | ProductStockLow | ProductOutOfStock
EVENT_TYPES: tuple[type[EventDetail], ...] = (
    OrderPlaced,
    OrderCancelled,
    OrderStatusChanged,
    ProductStockLow,
    ProductOutOfStock,
)
EVENT_TYPE_BY_NAME: dict[str, type[EventDetail]] = {model.detail_type: model for model in EVENT_TYPES}


class LiveStatus(BaseModel):
    """What a shopper's open order page receives over its WebSocket when the order's status changes."""

    model_config = ConfigDict(frozen=True)

    order_id: str
    status: OrderStatus
    updated_at: datetime
