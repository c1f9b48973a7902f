"""POST /products (admin): add a product to the catalog."""

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from shop.catalog.etags import etag
from shop.catalog.models import Product, ProductCreate
from shop.catalog.service import create_product
from shop.catalog.wiring import product_store
from shop.common.identity import ADMIN_GROUP
from shop.common.observability import PATCHES_FOR_DYNAMODB, api_handler, count
from shop.common.problems import answers
from shop.common.resolver import create_resolver, operation
from shop.common.settings import table_settings

table_settings()  # fail the cold start, not the first request, when configuration is missing
tracer = Tracer(patch_modules=PATCHES_FOR_DYNAMODB)
app = create_resolver(required_group=ADMIN_GROUP)


@app.post("/products", **operation("Create a product", "catalog", answers(201, "Created", Product, 401, 403, 415, 422)))
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


lambda_handler = api_handler(app, tracer)
