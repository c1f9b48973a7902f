"""GET /orders: the caller's own orders, newest first, paginated by cursor."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.commerce.models import OrderPage
from shop.commerce.orders import list_orders
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, logger, metrics
from shop.common.paging import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from shop.common.problems import answers
from shop.common.resolver import BEARER, create_resolver
from shop.common.settings import cursor_signing_key, table_settings

# Fail the cold start, not the first request, when configuration is missing.
table_settings()
cursor_key = cursor_signing_key()
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.get(
    "/orders",
    summary="List my orders",
    tags=["orders"],
    security=BEARER,
    responses=answers(
        HTTPStatus.OK,
        "A page of orders",
        OrderPage,
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    ),
)
def read_orders(
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_LENGTH)] = None,
) -> OrderPage:
    return list_orders(caller.user_id, commerce_store(), cursor_key, limit=limit, cursor=cursor)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # orders carry the customer's address
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
