"""PUT /orders/{order_id}/status (admin): fulfilment, PLACED -> SHIPPED -> DELIVERED."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.commerce.models import Order, OrderId, OrderStatusUpdate
from shop.commerce.orders import update_order_status
from shop.commerce.wiring import commerce_store
from shop.common.identity import ADMIN_GROUP
from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.common.problems import answers
from shop.common.resolver import BEARER, create_resolver
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.put(
    "/orders/<order_id>/status",
    summary="Move an order along fulfilment",
    tags=["orders"],
    security=BEARER,
    responses=answers(
        HTTPStatus.OK,
        "The order",
        Order,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    ),
)
def put_status(order_id: Annotated[OrderId, Path()], update: Annotated[OrderStatusUpdate, Body()]) -> Order:
    order = update_order_status(order_id, update.status, commerce_store())
    count("OrderStatusChanged", status=order.status)
    return order


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # orders carry the customer's address
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
