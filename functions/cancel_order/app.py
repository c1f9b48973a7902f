"""POST /orders/{order_id}/cancel: PLACED -> CANCELLED with the stock given back (owner or admin)."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import ADMIN_GROUP, BEARER, create_resolver, principal_of, problem_docs
from shop.commerce_models import Order, OrderPathId
from shop.observability import DYNAMODB, count, logger, metrics
from shop.services.orders import cancel_order
from shop.settings import catalog_settings

catalog_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=DYNAMODB)
app = create_resolver(signed_in=True)


@app.post(
    "/orders/<order_id>/cancel",
    summary="Cancel an order",
    tags=["orders"],
    security=BEARER,
    responses={
        200: {"description": "The cancelled order", "content": {"application/json": {"model": Order}}},
        **problem_docs(
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.CONFLICT,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        ),
    },
)
# Its own subsegment: the read and the transaction with its retries; never the order (the customer's address).
@tracer.capture_method(capture_response=False)
def post_cancel(order_id: Annotated[OrderPathId, Path()]) -> Order:
    caller = principal_of(app.current_event.raw_event)
    cancelled = cancel_order(order_id, caller.user_id, is_admin=ADMIN_GROUP in caller.groups)
    count("OrdersCancelled")
    return cancelled


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # orders carry the customer's address
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
