"""GET /cart: the caller's cart, at current prices."""

from http import HTTPStatus

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import BEARER, create_resolver, principal_of, problem_docs
from shop.commerce_models import Cart
from shop.observability import DYNAMODB, logger, metrics
from shop.services.carts import view_cart
from shop.settings import catalog_settings

catalog_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=DYNAMODB)
app = create_resolver(signed_in=True)


@app.get(
    "/cart",
    summary="Get my cart",
    tags=["cart"],
    security=BEARER,
    responses={
        200: {"description": "The cart", "content": {"application/json": {"model": Cart}}},
        **problem_docs(HTTPStatus.UNAUTHORIZED, HTTPStatus.CONFLICT),
    },
)
def read_cart() -> Cart:
    return view_cart(principal_of(app.current_event.raw_event).user_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # a cart is the customer's own
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
