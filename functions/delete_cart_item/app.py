"""DELETE /cart/items/{product_id}: take a product out of the caller's cart (idempotent)."""

from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.commerce.carts import remove_cart_line
from shop.commerce.models import Cart, ProductPathId
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler, count
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


# 404 only for an id that cannot name a product: removing a line that is not there is idempotent.
@app.delete(
    "/cart/items/<product_id>",
    **operation("Remove a cart line", "cart", answers(200, "The cart", Cart, 401, 404, 409)),
)
def delete_cart_item(product_id: Annotated[ProductPathId, Path()], caller: Caller) -> Cart:
    cart = remove_cart_line(caller.user_id, product_id, commerce_store())
    # Removing is idempotent: a line that was not there counts too (the store does not say whether it was).
    count("CartItemsRemoved")
    return cart


lambda_handler = api_handler(app, tracer, capture_response=False)  # a cart is the customer's own
