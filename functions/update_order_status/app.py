"""PUT /orders/{order_id}/status (admin): fulfilment, PLACED -> SHIPPED -> DELIVERED."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import ADMIN_GROUP, BEARER, create_resolver, problem_docs
from shop.commerce_models import Order, OrderPathId, OrderStatusUpdate
from shop.observability import DYNAMODB, count, logger, metrics
from shop.services.orders import update_order_status
from shop.settings import catalog_settings

catalog_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.put(
    "/orders/<order_id>/status",
    summary="Move an order along fulfilment",
    tags=["orders"],
    security=BEARER,
    responses={
        200: {"description": "The order", "content": {"application/json": {"model": Order}}},
        **problem_docs(
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.FORBIDDEN,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.CONFLICT,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
        ),
    },
)
def put_status(order_id: Annotated[OrderPathId, Path()], update: Annotated[OrderStatusUpdate, Body()]) -> Order:
    order = update_order_status(order_id, update.status)
    count("OrderStatusChanged", status=order.status)
    return order


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # orders carry the customer's address
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
