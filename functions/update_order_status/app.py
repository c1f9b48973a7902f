"""PUT /orders/{order_id}/status (admin): fulfilment, PLACED -> SHIPPED -> DELIVERED."""

from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.commerce.models import Order, OrderPathId, OrderStatusUpdate
from shop.commerce.orders import update_order_status
from shop.commerce.wiring import commerce_store
from shop.common.identity import ADMIN_GROUP
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler, count
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.put(
    "/orders/<order_id>/status",
    **operation(
        "Move an order along fulfilment", "orders", answers(200, "The order", Order, 401, 403, 404, 409, 415, 422)
    ),
)
def put_status(order_id: Annotated[OrderPathId, Path()], update: Annotated[OrderStatusUpdate, Body()]) -> Order:
    order = update_order_status(order_id, update.status, commerce_store())
    count("OrderStatusChanged", status=order.status)
    return order


lambda_handler = api_handler(app, tracer, capture_response=False)  # orders carry the customer's address
