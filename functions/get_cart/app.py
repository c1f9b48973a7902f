"""GET /cart: the caller's cart, at current prices."""

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.commerce.carts import view_cart
from shop.commerce.models import Cart
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, logger, metrics
from shop.common.problems import answers
from shop.common.resolver import BEARER, create_resolver
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.get(
    "/cart",
    summary="Get my cart",
    tags=["cart"],
    security=BEARER,
    responses=answers(HTTPStatus.OK, "The cart", Cart, HTTPStatus.UNAUTHORIZED, HTTPStatus.CONFLICT),
)
def read_cart(caller: Caller) -> Cart:
    return view_cart(caller.user_id, commerce_store())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # a cart is the customer's own
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
