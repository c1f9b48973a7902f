"""GET /products: the catalog, newest first, optionally one category, paginated by cursor."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import create_resolver, problem_docs
from shop.cursor import MAX_CURSOR_LENGTH
from shop.models import ProductPage
from shop.observability import DYNAMODB, logger, metrics
from shop.services.products import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, list_products
from shop.settings import catalog_settings, listing_settings

# Fail the cold start, not the first request, when configuration is missing.
catalog_settings()
listing_settings()
tracer = Tracer(patch_modules=DYNAMODB)
app = create_resolver()


@app.get(
    "/products",
    summary="List products",
    tags=["catalog"],
    responses={
        200: {
            "description": "A page of products",
            "content": {"application/json": {"model": ProductPage}},
        },
        **problem_docs(HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY),
    },
)
def read_products(
    category: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_LENGTH)] = None,
) -> ProductPage:
    return list_products(category=category, limit=limit, cursor=cursor)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # a page of up to 100 products: too big for a trace segment
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
