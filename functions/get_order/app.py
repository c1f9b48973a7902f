"""GET /orders/{order_id}: one order, for its owner or an admin (404 for anyone else)."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import ADMIN_GROUP, BEARER, create_resolver, principal_of, problem_docs
from shop.commerce_models import Order, OrderPathId
from shop.observability import DYNAMODB, logger, metrics
from shop.services.orders import get_order
from shop.settings import catalog_settings

catalog_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=DYNAMODB)
app = create_resolver(signed_in=True)


@app.get(
    "/orders/<order_id>",
    summary="Get an order",
    tags=["orders"],
    security=BEARER,
    responses={
        200: {"description": "The order", "content": {"application/json": {"model": Order}}},
        **problem_docs(HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND),
    },
)
def read_order(order_id: Annotated[OrderPathId, Path()]) -> Order:
    caller = principal_of(app.current_event.raw_event)
    return get_order(order_id, caller.user_id, is_admin=ADMIN_GROUP in caller.groups)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # orders carry the customer's address
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
