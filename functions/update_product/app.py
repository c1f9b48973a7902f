"""PATCH /products/{product_id} (admin): change some fields; If-Match guards against lost updates."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.catalog.etags import etag, parse_if_match
from shop.catalog.models import Product, ProductId, ProductUpdate
from shop.catalog.service import update_product
from shop.catalog.wiring import product_store
from shop.common.identity import ADMIN_GROUP
from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.common.problems import answers
from shop.common.resolver import BEARER, create_resolver
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.patch(
    "/products/<product_id>",
    summary="Update a product",
    tags=["catalog"],
    security=BEARER,
    responses=answers(
        HTTPStatus.OK,
        "The updated product",
        Product,
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.FORBIDDEN,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.PRECONDITION_FAILED,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    ),
)
def patch_product(
    product_id: Annotated[ProductId, Path()],
    changes: Annotated[ProductUpdate, Body()],
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=100)] = None,
) -> Response[Product]:
    product = update_product(product_id, changes, product_store(), expected_version=parse_if_match(if_match))
    count("ProductsUpdated")
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
