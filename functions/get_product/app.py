"""GET /products/{product_id}: one product, with its version as ETag."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path

from shop.catalog.etags import etag
from shop.catalog.models import Product, ProductPathId
from shop.catalog.service import get_product
from shop.catalog.wiring import product_store
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver()


@app.get(
    "/products/<product_id>",
    **operation("Get a product", "catalog", answers(200, "The product", Product, 404), signed_in=False),
)
def read_product(product_id: Annotated[ProductPathId, Path()]) -> Response[Product]:
    product = get_product(product_id, product_store())
    return Response(
        status_code=HTTPStatus.OK,
        content_type="application/json",
        body=product,
        headers={"ETag": etag(product.version)},
    )


lambda_handler = api_handler(app, tracer)
