"""GET /orders/{order_id}: one order, for its owner or an admin (404 for anyone else)."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.commerce.models import Order, OrderId
from shop.commerce.orders import get_order
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, logger, metrics
from shop.common.problems import answers
from shop.common.resolver import BEARER, create_resolver
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.get(
    "/orders/<order_id>",
    summary="Get an order",
    tags=["orders"],
    security=BEARER,
    responses=answers(
        HTTPStatus.OK,
        "The order",
        Order,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    ),
)
def read_order(order_id: Annotated[OrderId, Path()], caller: Caller) -> Order:
    return get_order(order_id, caller.user_id, commerce_store(), is_admin=caller.is_admin)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # orders carry the customer's address
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
