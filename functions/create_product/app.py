"""POST /products (admin): add a product to the catalog."""

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from shop.catalog.etags import etag
from shop.catalog.models import Product, ProductCreate
from shop.catalog.service import create_product
from shop.catalog.wiring import product_store
from shop.common.identity import ADMIN_GROUP
from shop.common.observability import PATCHES_FOR_DYNAMODB, count, logger, metrics
from shop.common.problems import answers
from shop.common.resolver import BEARER, create_resolver
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.post(
    "/products",
    summary="Create a product",
    tags=["catalog"],
    security=BEARER,
    responses=answers(
        HTTPStatus.CREATED,
        "Created",
        Product,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.FORBIDDEN,
        HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    ),
)
def post_product(product: Annotated[ProductCreate, Body()]) -> Response[Product]:
    created = create_product(product, product_store())
    count("ProductsCreated")
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type="application/json",
        body=created,
        # The request's own path, stage included: the product's URL wherever the API is mounted.
        headers={"Location": f"{app.current_event.request_context.path}/{created.id}", "ETag": etag(created.version)},
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
