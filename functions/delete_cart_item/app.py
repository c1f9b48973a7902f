"""DELETE /cart/items/{product_id}: take a product out of the caller's cart (idempotent)."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.commerce.carts import remove_cart_line
from shop.commerce.models import Cart, ProductId
from shop.commerce.wiring import commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.common.problems import answers
from shop.common.resolver import BEARER, create_resolver
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.delete(
    "/cart/items/<product_id>",
    summary="Remove a cart line",
    tags=["cart"],
    security=BEARER,
    # 404 only for a path the route cannot match (e.g. undecodable characters): removing is idempotent.
    responses=answers(
        HTTPStatus.OK,
        "The cart",
        Cart,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    ),
)
def delete_cart_item(product_id: Annotated[ProductId, Path()], caller: Caller) -> Cart:
    cart = remove_cart_line(caller.user_id, product_id, commerce_store())
    # Removing is idempotent: a line that was not there counts too (the store does not say whether it was).
    count("CartItemsRemoved")
    return cart


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # a cart is the customer's own
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
