"""GET /orders: the caller's own orders, newest first, paginated by cursor."""

from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Query

from shop.commerce.models import OrderPage
from shop.commerce.orders import list_orders
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler
from shop.common.paging import DEFAULT_PAGE_SIZE, MAX_CURSOR_LENGTH, MAX_PAGE_SIZE
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import cursor_signing_key, table_settings

# Fail the cold start, not the first request, when configuration is missing.
table_settings()
cursor_key = cursor_signing_key()
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.get("/orders", **operation("List my orders", "orders", answers(200, "A page of orders", OrderPage, 400, 401, 422)))
def read_orders(
    caller: Caller,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_LENGTH)] = None,
) -> OrderPage:
    return list_orders(caller.user_id, commerce_store(), cursor_key, limit=limit, cursor=cursor)


lambda_handler = api_handler(app, tracer, capture_response=False)  # orders carry the customer's address
