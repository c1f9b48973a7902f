"""GET /search: full-text, typo-tolerant product search with filters, facets and deep paging."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import create_resolver, problem_docs
from shop.cursor import MAX_CURSOR_LENGTH
from shop.models import MAX_PRICE_CENTS, SearchRequest, SearchResults, SearchSort
from shop.observability import OPENSEARCH, count, logger, metrics
from shop.services.search import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    MAX_QUERY_WORDS,
    search_products,
)
from shop.settings import listing_settings, search_settings

# Fail the cold start, not the first request, when configuration is missing.
search_settings()
listing_settings()
tracer = Tracer(patch_modules=OPENSEARCH)
app = create_resolver()


@app.get(
    "/search",
    summary="Search products",
    description="Full text over name, brand, category, tags and description, tolerant of typos. "
    "Without `q` it browses with the same filters. Facet counts reflect the query and the other filters, "
    "and add up: the values beyond those listed are counted in `<facet>_other_count`.",
    tags=["search"],
    responses={
        200: {
            "description": "A page of matching products, with total and facets",
            "content": {"application/json": {"model": SearchResults}},
        },
        **problem_docs(HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.SERVICE_UNAVAILABLE),
    },
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
    results = search_products(request, limit=limit, cursor=cursor)
    if cursor is None:  # a next page is the same query, not another one
        count("SearchQueries")
        # 0 or 1 per query, so that the metric's average is the share of queries that found nothing.
        count("SearchZeroResults", 1 if results.total == 0 else 0)
    return results


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # up to 100 hits with facets: too big for a trace segment
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
