"""POST /orders/{order_id}/cancel: PLACED -> CANCELLED with the stock given back (owner or admin)."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.commerce.models import Order, OrderId
from shop.commerce.orders import cancel_order
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.common.problems import answers
from shop.common.resolver import BEARER, create_resolver
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.post(
    "/orders/<order_id>/cancel",
    summary="Cancel an order",
    tags=["orders"],
    security=BEARER,
    responses=answers(
        HTTPStatus.OK,
        "The cancelled order",
        Order,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    ),
)
# Its own subsegment: the read and the transaction with its retries; never the order (the customer's address).
@tracer.capture_method(capture_response=False)
def post_cancel(order_id: Annotated[OrderId, Path()], caller: Caller) -> Order:
    cancelled = cancel_order(order_id, caller.user_id, commerce_store(), is_admin=caller.is_admin)
    count("OrdersCancelled")
    return cancelled


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # orders carry the customer's address
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
