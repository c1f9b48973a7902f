"""Commerce's models (carts, checkout, orders): the API's inputs and outputs, and a cart as it is stored."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shop.catalog import models as catalog
from shop.catalog.models import Product
from shop.commerce.errors import OrderNotFound
from shop.common.countries import ISO_3166_1_ALPHA_2
from shop.common.types import SINGLE_LINE, UUID4_PATTERN, Uuid4, id_in_path

OrderId = Uuid4
# The {order_id} of a URL path: anything that cannot be an order id is an order that does not exist (404).
OrderPathId = Annotated[str, StringConstraints(pattern=UUID4_PATTERN), id_in_path(OrderNotFound)]
# The {product_id} of a cart line's path: a line names a catalog product (404 for what cannot be its id).
ProductPathId = catalog.ProductPathId
MAX_QUANTITY = 99
# A checkout writes every line's product, the order and the cart in one transaction (at most 100 items).
MAX_CART_LINES = 50
Quantity = Annotated[int, Field(strict=True, ge=1, le=MAX_QUANTITY)]
# Clients send any opaque string; a UUID is typical. Printable ASCII only, so it logs and hashes predictably.
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,255}$")]
AddressLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SINGLE_LINE]
PostalCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20), SINGLE_LINE]


def _iso_3166_1(code: str) -> str:
    if code not in ISO_3166_1_ALPHA_2:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), AfterValidator(_iso_3166_1)]
OrderStatus = Literal["PLACED", "CANCELLED", "SHIPPED", "DELIVERED"]
PLACED: OrderStatus = "PLACED"
CANCELLED: OrderStatus = "CANCELLED"
SHIPPED: OrderStatus = "SHIPPED"
DELIVERED: OrderStatus = "DELIVERED"


class CartLineUpdate(BaseModel):
    """Body of PUT /cart/items/{product_id}: the line's new quantity."""

    model_config = ConfigDict(extra="forbid")

    quantity: Quantity


class PricedLine(BaseModel):
    """A product and its quantity, at a unit price: a cart's line at today's price, an order's at checkout's."""

    product_id: str
    name: str
    unit_price_cents: int
    quantity: int
    line_total_cents: int

    @classmethod
    def of(cls, product: Product, quantity: int) -> Self:
        """The line of `quantity` of `product` at the product's current name and price."""
        return cls(
            product_id=product.id,
            name=product.name,
            unit_price_cents=product.price_cents,
            quantity=quantity,
            line_total_cents=product.price_cents * quantity,
        )


def total_of(lines: Iterable[PricedLine]) -> int:
    return sum(line.line_total_cents for line in lines)


# A line of the cart, at the product's current price. No docstring: it would become the API schema's description.
class CartLine(PricedLine):
    pass


class Cart(BaseModel):
    """The caller's cart at current prices; lines of deleted products are left out."""

    items: list[CartLine]
    total_cents: int


class Address(BaseModel):
    """A shipping address as an order holds it. Not re-checked when read: orders placed before a rule was
    tightened stay readable. A ShippingAddress given to an order becomes an Address, and addresses with the
    same lines are equal whichever class holds them."""

    model_config = ConfigDict(revalidate_instances="subclass-instances")

    name: str
    line1: str
    line2: str | None = None
    city: str
    postal_code: str
    country: str

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Address):
            return self.model_dump() == other.model_dump()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # not hashable, as pydantic models that are not frozen


class ShippingAddress(Address):
    """The shipping address a checkout sends."""

    model_config = ConfigDict(extra="forbid")

    name: AddressLine
    line1: AddressLine
    line2: AddressLine | None = None
    city: AddressLine
    postal_code: PostalCode
    country: Country


class CheckoutBody(BaseModel):
    """Body of POST /orders."""

    model_config = ConfigDict(extra="forbid")

    shipping_address: ShippingAddress


class CheckoutRequest(BaseModel):
    """One checkout as the service sees it: who, under which idempotency key, with what body."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    idempotency_key: str
    shipping_address: ShippingAddress


class OrderLine(PricedLine):
    """A line as it was at checkout: name and price are a snapshot, later catalog changes do not touch it."""


class Order(BaseModel):
    id: str
    user_id: str
    items: list[OrderLine]
    total_cents: int
    currency: str
    status: OrderStatus
    shipping_address: Address
    created_at: datetime
    updated_at: datetime


class OrderPage(BaseModel):
    items: list[Order]
    next_cursor: str | None = None


class OrderStatusUpdate(BaseModel):
    """Body of PUT /orders/{order_id}/status (admin)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["SHIPPED", "DELIVERED"]


@dataclass(frozen=True)
class CartContents:
    """A cart as stored: the quantity of each product in it, and a revision that every write increments
    (a checkout empties the cart only at the revision it read)."""

    lines: dict[str, int] = field(default_factory=dict)
    revision: int = 0
