"""GET /products/{product_id}: one product, with its version as ETag."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.catalog.etags import etag
from shop.catalog.models import Product, ProductId
from shop.catalog.service import get_product
from shop.catalog.wiring import product_store
from shop.common.observability import PATCHES_FOR_DYNAMODB, logger, metrics
from shop.common.problems import answers
from shop.common.resolver import create_resolver
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver()


@app.get(
    "/products/<product_id>",
    summary="Get a product",
    tags=["catalog"],
    responses=answers(HTTPStatus.OK, "The product", Product, HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY),
)
def read_product(product_id: Annotated[ProductId, Path()]) -> Response[Product]:
    product = get_product(product_id, product_store())
    return Response(
        status_code=HTTPStatus.OK,
        content_type="application/json",
        body=product,
        headers={"ETag": etag(product.version)},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
