"""PATCH /products/{product_id} (admin): change some fields; If-Match guards against lost updates."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path

from shop.catalog.etags import IfMatch, etag, parse_if_match
from shop.catalog.models import Product, ProductPathId, ProductUpdate
from shop.catalog.service import update_product
from shop.catalog.wiring import product_store
from shop.common.identity import ADMIN_GROUP
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler, count
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.patch(
    "/products/<product_id>",
    **operation(
        "Update a product", "catalog", answers(200, "The updated product", Product, 400, 401, 403, 404, 412, 415, 422)
    ),
)
def patch_product(
    product_id: Annotated[ProductPathId, Path()],
    changes: Annotated[ProductUpdate, Body()],
    if_match: Annotated[IfMatch | None, Header(alias="If-Match")] = None,
) -> Response[Product]:
    product = update_product(product_id, changes, product_store(), expected_version=parse_if_match(if_match))
    count("ProductsUpdated")
    return Response(
        status_code=HTTPStatus.OK,
        content_type="application/json",
        body=product,
        headers={"ETag": etag(product.version)},
    )


lambda_handler = api_handler(app, tracer)
