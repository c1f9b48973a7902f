"""GET /products/{product_id}: one product, with its version as ETag."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import create_resolver, etag, problem_docs
from shop.models import Product, ProductPathId
from shop.observability import DYNAMODB, logger, metrics
from shop.services.products import get_product
from shop.settings import catalog_settings

catalog_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=DYNAMODB)
app = create_resolver()


@app.get(
    "/products/<product_id>",
    summary="Get a product",
    tags=["catalog"],
    responses={
        200: {
            "description": "The product",
            "content": {"application/json": {"model": Product}},
        },
        **problem_docs(HTTPStatus.NOT_FOUND),
    },
)
def read_product(product_id: Annotated[ProductPathId, Path()]) -> Response[Product]:
    product = get_product(product_id)
    return Response(
        status_code=HTTPStatus.OK,
        content_type="application/json",
        body=product,
        headers={"ETag": etag(product.version)},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
