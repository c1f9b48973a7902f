"""PATCH /products/{product_id} (admin): change some fields; If-Match guards against lost updates."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.api import (
    ADMIN_GROUP,
    BEARER,
    IfMatch,
    create_resolver,
    etag,
    parse_if_match,
    problem_docs,
)
from shop.models import Product, ProductPathId, ProductUpdate
from shop.observability import DYNAMODB, count, logger, metrics
from shop.services.products import update_product
from shop.settings import catalog_settings

catalog_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.patch(
    "/products/<product_id>",
    summary="Update a product",
    tags=["catalog"],
    security=BEARER,
    responses={
        200: {
            "description": "The updated product",
            "content": {"application/json": {"model": Product}},
        },
        **problem_docs(
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.UNAUTHORIZED,
            HTTPStatus.FORBIDDEN,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.PRECONDITION_FAILED,
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            HTTPStatus.UNPROCESSABLE_ENTITY,
        ),
    },
)
def patch_product(
    product_id: Annotated[ProductPathId, Path()],
    changes: Annotated[ProductUpdate, Body()],
    if_match: Annotated[IfMatch | None, Header(alias="If-Match")] = None,
) -> Response[Product]:
    product = update_product(product_id, changes, expected_version=parse_if_match(if_match))
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
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
