"""GET /cart: the caller's cart, at current prices."""

from aws_lambda_powertools import Tracer

from shop.commerce.carts import view_cart
from shop.commerce.models import Cart
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.get("/cart", **operation("Get my cart", "cart", answers(200, "The cart", Cart, 401, 409)))
def read_cart(caller: Caller) -> Cart:
    return view_cart(caller.user_id, commerce_store())


lambda_handler = api_handler(app, tracer, capture_response=False)  # a cart is the customer's own
