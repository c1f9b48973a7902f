"""Search's models: what a query asks for, what it finds, and what the indexer writes."""

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shop.catalog.models import Product
from shop.common.paging import SortValues

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


def ranks_by_score(request: SearchRequest) -> bool:
    """Whether hits are ordered by relevance score (relevance sort with words to score): such pages go by
    offset into the ranking, all others after the last hit's sort values."""
    return request.sort == "relevance" and bool(request.q.strip())


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
