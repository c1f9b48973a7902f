"""PUT /cart/items/{product_id}: set how many of a product the caller's cart holds."""

from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from shop.commerce.carts import set_cart_line
from shop.commerce.models import Cart, CartLineUpdate, ProductPathId
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler, count
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.put(
    "/cart/items/<product_id>",
    **operation("Set a cart line's quantity", "cart", answers(200, "The cart", Cart, 401, 404, 409, 415, 422)),
)
def put_cart_item(
    product_id: Annotated[ProductPathId, Path()], line: Annotated[CartLineUpdate, Body()], caller: Caller
) -> Cart:
    cart = set_cart_line(caller.user_id, product_id, line.quantity, commerce_store())
    # Every line set counts, new or changed: the service does not say which it was.
    count("CartItemsAdded")
    return cart


lambda_handler = api_handler(app, tracer, capture_response=False)  # a cart is the customer's own
