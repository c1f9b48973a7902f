"""The catalog's models: products as the API takes and gives them, and as the table holds them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from shop.catalog.errors import ProductNotFound
from shop.common.types import MULTI_LINE, SINGLE_LINE, UUID4_PATTERN, Currency, PriceCents, Uuid4, id_in_path

# Stock is an integer; strict so that 9.5, "9" and true are rejected.
MAX_STOCK = 10**9

ProductId = Uuid4
# The {product_id} of a URL path. The pattern documents the form; the validator refuses anything else with 404.
ProductPathId = Annotated[str, StringConstraints(pattern=UUID4_PATTERN), id_in_path(ProductNotFound)]
ProductName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SINGLE_LINE]
Description = Annotated[str, StringConstraints(max_length=5000), MULTI_LINE]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SINGLE_LINE]
Brand = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SINGLE_LINE]
Stock = Annotated[int, Field(strict=True, ge=0, le=MAX_STOCK)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50), SINGLE_LINE]
Tags = Annotated[list[Tag], Field(max_length=20)]


class ProductCreate(BaseModel):
    """Body of POST /products."""

    model_config = ConfigDict(extra="forbid")

    name: ProductName
    description: Description | None = None
    category: Category
    brand: Brand | None = None
    price_cents: PriceCents
    currency: Currency = "USD"
    stock: Stock
    tags: Tags = Field(default_factory=list)


class ProductUpdate(BaseModel):
    """Body of PATCH /products/{product_id}: the fields to change. `null` clears an optional field."""

    model_config = ConfigDict(extra="forbid")

    name: ProductName | None = None
    description: Description | None = None
    category: Category | None = None
    brand: Brand | None = None
    price_cents: PriceCents | None = None
    currency: Currency | None = None
    stock: Stock | None = None
    tags: Tags | None = None

    @field_validator("name", "category", "price_cents", "currency", "stock", mode="before")
    @classmethod
    def _required_fields_cannot_be_cleared(cls, value: object) -> object:
        # Only fields the caller sent reach this validator, so None here is an explicit null.
        if value is None:
            raise ValueError("this field is required and cannot be null")
        return value

    @model_validator(mode="after")
    def _at_least_one_change(self) -> "ProductUpdate":
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        return self

    def changes(self) -> dict[str, object]:
        """The fields the caller sent, with their values (None means clear)."""
        return self.model_dump(exclude_unset=True)


class Product(BaseModel):
    id: str
    name: str
    description: str | None = None
    category: str
    brand: str | None = None
    price_cents: int
    currency: str
    stock: int
    tags: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    version: int = Field(ge=1)


class ProductPage(BaseModel):
    items: list[Product]
    next_cursor: str | None = None


@dataclass(frozen=True)
class MalformedProduct:
    """A catalog item that is not a valid product (written around the API): reported, never indexed."""

    id: str
    reason: str
