"""GET /orders/{order_id}: one order, for its owner or an admin (404 for anyone else)."""

from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.commerce.models import Order, OrderPathId
from shop.commerce.orders import get_order
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.get("/orders/<order_id>", **operation("Get an order", "orders", answers(200, "The order", Order, 401, 404)))
def read_order(order_id: Annotated[OrderPathId, Path()], caller: Caller) -> Order:
    return get_order(order_id, caller.user_id, commerce_store(), is_admin=caller.is_admin)


lambda_handler = api_handler(app, tracer, capture_response=False)  # orders carry the customer's address
