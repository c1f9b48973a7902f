"""PUT /cart/items/{product_id}: set how many of a product the caller's cart holds."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import BEARER, create_resolver, principal_of, problem_docs
from shop.commerce_models import Cart, CartLineUpdate
from shop.models import ProductPathId
from shop.observability import DYNAMODB, count, logger, metrics
from shop.services.carts import set_cart_line
from shop.settings import catalog_settings

catalog_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=DYNAMODB)
app = create_resolver(signed_in=True)


@app.put(
    "/cart/items/<product_id>",
    summary="Set a cart line's quantity",
    tags=["cart"],
    security=BEARER,
    responses={
        200: {"description": "The cart", "content": {"application/json": {"model": Cart}}},
        **problem_docs(
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.CONFLICT,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
        ),
    },
)
def put_cart_item(product_id: Annotated[ProductPathId, Path()], line: Annotated[CartLineUpdate, Body()]) -> Cart:
    cart = set_cart_line(principal_of(app.current_event.raw_event).user_id, product_id, line.quantity)
    # Every line set counts, new or changed: the service does not say which it was.
    count("CartItemsAdded")
    return cart


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # a cart is the customer's own
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
