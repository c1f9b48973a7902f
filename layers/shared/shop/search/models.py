"""Search's models: what a query asks for, what it finds, and what the indexer writes."""

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shop.catalog.models import Product
from shop.common.paging import SortValues

SearchSort = Literal["relevance", "price_asc", "price_desc", "newest"]


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
    category: list[FacetCount]
    brand: list[FacetCount]
    price: list[PriceBucket]


class SearchResults(BaseModel):
    items: list[SearchHit]
    total: int
    facets: SearchFacets
    next_cursor: str | None = None


@dataclass(frozen=True)
class Match:
    """One hit the engine found, and its position among the query's hits (where the next page starts)."""

    hit: SearchHit
    position: SortValues


@dataclass(frozen=True)
class Matches:
    """What the engine found for one page of a query: up to the page's size in hits, with total and facets."""

    hits: list[Match]
    total: int
    facets: SearchFacets


# --- The index, and what the indexer asks of it ---

# Readers and writers name the alias; it points at one concrete index `products-v<N>` at a time.
ALIAS = "products"
INDEX_PREFIX = f"{ALIAS}-v"


def index_name(mapping_version: int) -> str:
    return f"{INDEX_PREFIX}{mapping_version}"


@dataclass(frozen=True)
class IndexProduct:
    product: Product

    @property
    def product_id(self) -> str:
        return self.product.id

    @property
    def version(self) -> int:
        return self.product.version


@dataclass(frozen=True)
class DeleteProduct:
    product_id: str
    # One above the deleted item's last version, so the delete outranks every update before it.
    version: int


WriteAction = IndexProduct | DeleteProduct


@dataclass(frozen=True)
class WriteOutcome:
    ok: bool
    status: int | Literal["unreachable"]
    reason: str = ""
