"""GET /orders: the caller's own orders, newest first, paginated by cursor."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import BEARER, create_resolver, principal_of, problem_docs
from shop.commerce_models import OrderPage
from shop.cursor import MAX_CURSOR_LENGTH
from shop.observability import DYNAMODB, logger, metrics
from shop.services.orders import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, list_orders
from shop.settings import catalog_settings, listing_settings

# Fail the cold start, not the first request, when configuration is missing.
catalog_settings()
listing_settings()
tracer = Tracer(patch_modules=DYNAMODB)
app = create_resolver(signed_in=True)


@app.get(
    "/orders",
    summary="List my orders",
    tags=["orders"],
    security=BEARER,
    responses={
        200: {"description": "A page of orders", "content": {"application/json": {"model": OrderPage}}},
        **problem_docs(HTTPStatus.BAD_REQUEST, HTTPStatus.UNAUTHORIZED, HTTPStatus.UNPROCESSABLE_ENTITY),
    },
)
def read_orders(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_LENGTH)] = None,
) -> OrderPage:
    return list_orders(principal_of(app.current_event.raw_event).user_id, limit=limit, cursor=cursor)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # orders carry the customer's address
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
