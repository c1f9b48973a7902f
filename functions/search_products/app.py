"""GET /search: full-text, typo-tolerant product search with filters, facets and deep paging."""

from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query

from shop.common.observability import PATCHES_FOR_OPENSEARCH, api_handler, count
from shop.common.paging import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import cursor_signing_key, opensearch_settings
from shop.common.types import MAX_PRICE_CENTS
from shop.search.models import SearchRequest, SearchResults, SearchSort
from shop.search.query.service import MAX_QUERY_LENGTH, MAX_QUERY_WORDS, search_products
from shop.search.wiring import search_engine

# Fail the cold start, not the first request, when configuration is missing.
opensearch_settings()
cursor_key = cursor_signing_key()
tracer = Tracer(patch_modules=PATCHES_FOR_OPENSEARCH)
app = create_resolver()


@app.get(
    "/search",
    **operation(
        "Search products",
        "search",
        answers(200, "A page of matching products, with total and facets", SearchResults, 400, 422, 503),
        description="Full text over name, brand, category, tags and description, tolerant of typos. "
        "Without `q` it browses with the same filters. Facet counts reflect the query and the other filters, "
        "and add up: the values beyond those listed are counted in `<facet>_other_count`.",
        signed_in=False,
    ),
)
# Its own subsegment: the query's checks and building, and OpenSearch's answer. Never the hits (too big).
@tracer.capture_method(capture_response=False)
def search(
    *,
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_LENGTH,
            description=f"Words to search for: at most {MAX_QUERY_WORDS} words, where a word of one or two "
            "characters, a Chinese or Japanese character, or an emoji counts as a fifth of one",
        ),
    ] = "",
    category: Annotated[list[Annotated[str, Query(min_length=1, max_length=100)]] | None, Query()] = None,
    brand: Annotated[list[Annotated[str, Query(min_length=1, max_length=100)]] | None, Query()] = None,
    min_price: Annotated[int | None, Query(ge=0, le=MAX_PRICE_CENTS, description="cents")] = None,
    max_price: Annotated[int | None, Query(ge=0, le=MAX_PRICE_CENTS, description="cents")] = None,
    in_stock: Annotated[bool, Query()] = False,
    sort: Annotated[SearchSort, Query()] = "relevance",
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_LENGTH)] = None,
) -> SearchResults:
    request = SearchRequest(
        q=q,
        categories=tuple(category or ()),
        brands=tuple(brand or ()),
        min_price_cents=min_price,
        max_price_cents=max_price,
        in_stock=in_stock,
        sort=sort,
    )
    results = search_products(request, search_engine(), cursor_key, limit=limit, cursor=cursor)
    if cursor is None:  # a next page is the same query, not another one
        count("SearchQueries")
        # 0 or 1 per query, so that the metric's average is the share of queries that found nothing.
        count("SearchZeroResults", 1 if results.total == 0 else 0)
    return results


lambda_handler = api_handler(
    app, tracer, capture_response=False
)  # up to 100 hits with facets: too big for a trace segment
