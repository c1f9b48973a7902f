"""Models shared by handlers, services and adapters: the API's inputs and outputs."""

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from shop.currencies import ISO_4217_CODES
from shop.errors import ProductNotFound, ShopError

# Money and stock are integers in minor units; strict so that 9.99, "999" and true are rejected.
MAX_PRICE_CENTS = 10**12
MAX_STOCK = 10**9


def _iso_4217(code: str) -> str:
    if code not in ISO_4217_CODES:
        raise ValueError(f"{code!r} is not an active ISO 4217 currency code")
    return code


# Server-generated ids (products, orders) are UUID4s; anything else cannot name one. UUIDs are case-insensitive
# (RFC 9562): any case is accepted and the id continues in its canonical lowercase form, the one ids are made
# and stored in.
UUID4_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
_CANONICAL_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
Uuid4 = Annotated[str, StringConstraints(pattern=UUID4_PATTERN), AfterValidator(str.lower)]
ProductId = Uuid4


def id_in_path(not_found: Callable[[str], ShopError]) -> BeforeValidator:
    """An id in a URL path names a resource: one that cannot be an id names none, so it gets the resource's own
    not-found error (404, as for an unknown id) instead of a validation error. Raised, not a ValueError, so
    that pydantic lets it through to the resolver's error table."""

    def canonical(value: object) -> str:
        if isinstance(value, str) and _CANONICAL_UUID4.fullmatch(value.lower()):
            return value.lower()
        shown = value if isinstance(value, str) and len(value) <= 100 else f"{str(value)[:100]}..."
        raise not_found(shown)

    return BeforeValidator(canonical)


# The {product_id} of a URL path. The pattern documents the form; the validator refuses anything else with 404.
ProductPathId = Annotated[str, StringConstraints(pattern=UUID4_PATTERN), id_in_path(ProductNotFound)]

# Free text refuses characters that are invisible or reorder or hide what is shown: controls (C0, DEL, C1: NUL,
# ESC sequences...), format characters (Unicode category Cf: bidi embeddings, overrides and isolates U+202A-202E
# and U+2066-2069, zero-width space, BOM, soft hyphen, tag characters...), lone surrogates, and the line and
# paragraph separators. Allowed all the same: ZERO WIDTH NON-JOINER and JOINER (U+200C, U+200D), which Persian
# and Indic scripts and emoji sequences need; and, in multi-line text only, tab, line feed and carriage return.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_JOINERS = frozenset("\u200c\u200d")


def _visible_text(allowed: frozenset[str]) -> BeforeValidator:
    def check(value: object) -> object:
        # Before stripping, so that a control at either end is refused rather than silently dropped.
        if isinstance(value, str):
            for character in value:
                if unicodedata.category(character) in _REFUSED_CATEGORIES and character not in allowed:
                    name = unicodedata.name(character, "a control character")
                    raise PydanticCustomError(
                        "text_character",
                        "Text must not contain {character} ({name}): control and invisible characters are refused",
                        {"character": f"U+{ord(character):04X}", "name": name},
                    )
        return value

    return BeforeValidator(check)


SINGLE_LINE = _visible_text(_JOINERS)
MULTI_LINE = _visible_text(_JOINERS | frozenset("\t\n\r"))
ProductName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), SINGLE_LINE]
Description = Annotated[str, StringConstraints(max_length=5000), MULTI_LINE]
Category = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SINGLE_LINE]
Brand = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), SINGLE_LINE]
PriceCents = Annotated[int, Field(strict=True, ge=0, le=MAX_PRICE_CENTS)]
Stock = Annotated[int, Field(strict=True, ge=0, le=MAX_STOCK)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_iso_4217)]
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


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[ValidationIssue] | None = None


SearchSort = Literal["relevance", "price_asc", "price_desc", "newest"]
# Relevance pages go by position in the ranking, and end this many hits deep (docs/decisions/relevance-paging.md).
MAX_RELEVANCE_DEPTH = 1000
# Values listed per facet; the hits in the rest are counted, not listed.
MAX_FACET_VALUES = 20


class SearchRequest(BaseModel):
    """What GET /search asks for, each parameter already valid on its own."""

    model_config = ConfigDict(frozen=True)

    q: str = ""
    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    min_price_cents: int | None = None
    max_price_cents: int | None = None
    in_stock: bool = False
    sort: SearchSort = "relevance"


class SearchHit(Product):
    # Matched fragments per field, HTML-escaped apart from the <em> marks around matches.
    highlight: dict[str, list[str]] = Field(default_factory=dict)


class FacetCount(BaseModel):
    value: str
    count: int


class PriceBucket(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    # Cents; `from` inclusive, `to` exclusive, null for an open end.
    from_cents: int | None = Field(alias="from")
    to_cents: int | None = Field(alias="to")
    count: int


class SearchFacets(BaseModel):
    """Counts per facet value, each over the hits the query and the *other* filters leave.

    `category` and `brand` list their values with the most hits (20 at most). The rest add up exactly:
    the listed counts plus `<facet>_other_count` (plus `brand_missing_count`, brand being optional)
    is the number of hits when that facet's own filter is left out.
    """

    category: list[FacetCount] = Field(description=f"Up to {MAX_FACET_VALUES} categories, most hits first")
    brand: list[FacetCount] = Field(description=f"Up to {MAX_FACET_VALUES} brands, most hits first")
    price: list[PriceBucket] = Field(description="Every price range, also those with no hits")
    category_other_count: int = Field(ge=0, description="Hits in categories beyond those listed")
    brand_other_count: int = Field(ge=0, description="Hits of brands beyond those listed")
    brand_missing_count: int = Field(ge=0, description="Hits of products without a brand")


class SearchResults(BaseModel):
    items: list[SearchHit]
    total: int
    facets: SearchFacets
    next_cursor: str | None = Field(
        None,
        description="The next page's `cursor`; null on the last page. Sorted by relevance, paging ends "
        f"after the first {MAX_RELEVANCE_DEPTH} hits (the other sorts page through every hit).",
    )
