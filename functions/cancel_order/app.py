"""POST /orders/{order_id}/cancel: PLACED -> CANCELLED with the stock given back (owner or admin)."""

from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.commerce.models import Order, OrderPathId
from shop.commerce.orders import cancel_order
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler, count
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.post(
    "/orders/<order_id>/cancel",
    **operation("Cancel an order", "orders", answers(200, "The cancelled order", Order, 401, 404, 409, 415)),
)
# Its own subsegment: the read and the transaction with its retries; never the order (the customer's address).
@tracer.capture_method(capture_response=False)
def post_cancel(order_id: Annotated[OrderPathId, Path()], caller: Caller) -> Order:
    cancelled = cancel_order(order_id, caller.user_id, commerce_store(), is_admin=caller.is_admin)
    count("OrdersCancelled")
    return cancelled


lambda_handler = api_handler(app, tracer, capture_response=False)  # orders carry the customer's address
