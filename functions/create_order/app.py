"""POST /orders: check out the caller's cart, at most once per Idempotency-Key."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.commerce.checkout import checkout, checkout_idempotency
from shop.commerce.errors import CartEmpty, MixedCurrencies, OutOfStock
from shop.commerce.metrics import order_placed
from shop.commerce.models import CheckoutBody, CheckoutRequest, IdempotencyKey, Order
from shop.commerce.wiring import checkout_records, commerce_store
from shop.common.identity import Caller
from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.common.problems import answers, problem_type_of
from shop.common.resolver import create_resolver, operation
from shop.common.settings import idempotency_settings, table_settings

# Fail the cold start, not the first request, when configuration is missing.
table_settings()
idempotency_settings()
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(signed_in=True)


@app.post(
    "/orders",
    **operation(
        "Check out the cart",
        "orders",
        answers(201, "The order", Order, 401, 409, 415, 422, 503),
        description="Replaying an Idempotency-Key with the same body returns the same order; with another body, 409.",
    ),
)
# Its own subsegment: the idempotency records, the reads and the transaction with its retries. Never the
# returned order in the trace: it holds the customer's address.
@tracer.capture_method(capture_response=False)
def post_order(
    body: Annotated[CheckoutBody, Body()],
    idempotency_key: Annotated[IdempotencyKey, Header(alias="Idempotency-Key")],
    caller: Caller,
) -> Response[Order]:
    request = CheckoutRequest(
        user_id=caller.user_id, idempotency_key=idempotency_key, shipping_address=body.shipping_address
    )
    try:
        # Counted inside checkout's idempotent part: a replayed key answers the order without placing it again.
        order = checkout(request, commerce_store(), checkout_records(), checkout_idempotency(), on_placed=order_placed)
    except (OutOfStock, CartEmpty, MixedCurrencies) as rejected:
        count("CheckoutRejected", reason=problem_type_of(rejected).slug)
        raise
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type="application/json",
        body=order,
        headers={"Location": f"{app.current_event.request_context.path}/{order.id}"},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler(capture_response=False)  # orders carry the customer's address
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # An in-progress record then expires with this invocation, so a timed-out checkout can be retried.
    checkout_idempotency().register_lambda_context(context)
    return app.resolve(event, context)
